package org.purifybench.core.results;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

import java.io.IOException;

/**
 * Maps non-finite doubles to JSON null and back to NaN. Jackson's default would write the
 * string "NaN", which is not a number and would break every consumer that trusts the schema;
 * failing the write instead would throw away a whole run because one metric was 0/0.
 */
final class NonFiniteAsNull {
    private NonFiniteAsNull() {
    }

    static final class Serializer extends StdSerializer<Double> {
        Serializer() {
            super(Double.class);
        }

        @Override
        public void serialize(Double value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            if (value == null || !Double.isFinite(value)) {
                gen.writeNull();
            } else {
                gen.writeNumber(value);
            }
        }
    }

    static final class Deserializer extends StdDeserializer<Double> {
        Deserializer() {
            super(Double.class);
        }

        @Override
        public Double deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.currentToken().isNumeric()) {
                return (Double) ctxt.handleUnexpectedToken(Double.class, p);
            }
            return p.getDoubleValue();
        }

        @Override
        public Double getNullValue(DeserializationContext ctxt) {
            return Double.NaN;
        }
    }
}
