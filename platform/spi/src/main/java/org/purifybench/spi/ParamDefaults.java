package org.purifybench.spi;

import java.util.List;

/**
 * Whether a parameter's declared default is a value of its own declaration (type, range, choices).
 * The annotation processor refuses a plug-in whose default is not (a compile error), and the host
 * refuses such a descriptor file, so a default can never be a value the matrix could not set.
 */
public final class ParamDefaults {
    private ParamDefaults() {
    }

    /** Why {@code p}'s default is not one of its own values, e.g. "is out of its range [0, 1]"; null when it is. */
    public static String problem(ParamSpec p) {
        String v = p.defaultValue().strip();
        List<String> choices = p.choices();
        if (p.type() != ParamType.STRING && p.type() != ParamType.BOOLEAN && choices.contains(v)) {
            return null;
        }
        switch (p.type()) {
            case BOOLEAN:
                return v.equals("true") || v.equals("false") ? null : "is not a BOOLEAN: write true or false";
            case STRING:
                return choices.isEmpty() || choices.contains(v) ? null : "is not one of its choices " + String.join(", ", choices);
            case INT:
                try {
                    return range(Long.parseLong(v), p);
                } catch (NumberFormatException e) {
                    return "does not parse as an INT" + (choices.isEmpty() ? "" : " and is not one of " + String.join(", ", choices));
                }
            case NUMBER:
                return number(v, p);
            case NUMBER_LIST:
                if (v.isEmpty()) {
                    return null;
                }
                for (String part : v.split(",", -1)) {
                    String problem = number(part.strip(), p);
                    if (problem != null) {
                        return "has an element '" + part.strip() + "' that " + problem;
                    }
                }
                return null;
            default:
                throw new AssertionError(p.type());
        }
    }

    private static String number(String v, ParamSpec p) {
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return "does not parse as a NUMBER" + (p.choices().isEmpty() ? "" : " and is not one of " + String.join(", ", p.choices()));
        }
        if (!Double.isFinite(d)) {
            return "is not a finite NUMBER";
        }
        return range(d, p);
    }

    private static String range(double d, ParamSpec p) {
        if (d < p.min() || d > p.max()) {
            return "is out of its range [" + p.min() + ", " + p.max() + "]";
        }
        return null;
    }
}
