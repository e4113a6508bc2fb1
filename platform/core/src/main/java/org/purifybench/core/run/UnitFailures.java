package org.purifybench.core.run;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.purifybench.core.UserException;
import org.purifybench.core.results.FailedUnit;
import org.purifybench.core.sandbox.SandboxException;
import org.purifybench.spi.Host;
import org.purifybench.spi.Progress;
import org.purifybench.spi.Trainer;

/**
 * The failed units of one run, with the log lines that explain each: a sandboxed defense's lines
 * (what the sandbox logged during its job, the child's output included), or for a built-in plug-in
 * the lines its cell's thread logged during the unit and the exception's stack. A failed unit is
 * never journaled, so the next run tries it again.
 */
final class UnitFailures {
    private static final int STACK_FRAMES = 12;

    private final List<FailedUnit> failures = new ArrayList<>();
    private final Set<String> recorded = new HashSet<>();
    private final Deque<String> sandboxLines = new ArrayDeque<>();
    private final ThreadLocal<Deque<String>> threadLines = ThreadLocal.withInitial(ArrayDeque::new);

    /** A defense that produced no model in a cell: thrown by its (memoised) model supplier to every unit that asks. */
    static final class DefenseFailed extends RuntimeException {
        private final String defense;
        private final FailedUnit.Status status;
        private final String reason;
        private final transient List<String> log;

        DefenseFailed(String defense, FailedUnit.Status status, String reason, List<String> log, Throwable cause) {
            super(reason, cause);
            this.defense = defense;
            this.status = status;
            this.reason = reason;
            this.log = List.copyOf(log);
        }
    }

    /** Something a cell's units all need (the clean or backdoored model, the attack) could not be made. */
    static final class StageFailed extends RuntimeException {
        StageFailed(String stage, RuntimeException cause) {
            super(stage + " could not be made: " + describe(cause), cause);
        }
    }

    /** The host plug-ins and the runner log through: each line is also kept for its thread's unit. */
    Host capturing(Host host) {
        return new Host() {
            @Override
            public Trainer trainer() {
                return host.trainer();
            }

            @Override
            public Progress progress(String phase, long total) {
                return host.progress(phase, total);
            }

            @Override
            public void log(String message) {
                keep(threadLines.get(), message);
                host.log(message);
            }
        };
    }

    /** The sandbox's log: its lines are kept for the job that runs (one job at a time, under the runner's lock). */
    Consumer<String> sandboxLog(Consumer<String> log) {
        return line -> {
            synchronized (sandboxLines) {
                keep(sandboxLines, line);
            }
            log.accept(line);
        };
    }

    /** Called as a sandbox job starts, under the lock that makes jobs one at a time. */
    void sandboxJobStarts() {
        synchronized (sandboxLines) {
            sandboxLines.clear();
        }
    }

    /** Called as a unit starts on this thread: what it logs from now on explains its failure. */
    void unitStarts() {
        threadLines.get().clear();
    }

    /** The failure a sandboxed defense's exception stands for, with the lines its job logged. */
    DefenseFailed sandboxed(String defense, SandboxException e) {
        List<String> lines;
        synchronized (sandboxLines) {
            lines = new ArrayList<>(sandboxLines);
        }
        return new DefenseFailed(defense, status(e), e.oneLine(), lines, e);
    }

    /** The failure a built-in defense's exception stands for, with this thread's lines and the stack. */
    DefenseFailed builtIn(String defense, RuntimeException e) {
        return new DefenseFailed(defense, FailedUnit.Status.ERROR, "defense '" + defense + "' threw " + describe(e),
                withStack(new ArrayList<>(threadLines.get()), e), e);
    }

    /**
     * Records the failure of unit (cell, defense, evaluator) and logs it; a defense's own failure is
     * recorded once per cell with evaluator null (none of its evaluators ran).
     */
    void record(String cellId, String defense, String evaluator, RuntimeException e, Host host) {
        FailedUnit unit;
        Throwable thrown; // what a built-in threw: its stack is nowhere else (a sandboxed job's lines are already in the log)
        if (e instanceof DefenseFailed f && f.defense.equals(defense)) {
            unit = new FailedUnit(cellId, defense, null, f.status, f.reason, f.log);
            thrown = f.status == FailedUnit.Status.ERROR ? f.getCause() : null;
        } else if (e instanceof DefenseFailed f) {
            unit = new FailedUnit(cellId, defense, evaluator, f.status, "evaluator '" + evaluator + "' needs the model of defense '"
                    + f.defense + "', which failed: " + f.reason, f.log);
            thrown = null;
        } else {
            thrown = e instanceof StageFailed && e.getCause() != null ? e.getCause() : e;
            String reason = e instanceof StageFailed ? e.getMessage() : "evaluator '" + evaluator + "' threw " + describe(e);
            unit = new FailedUnit(cellId, defense, evaluator, FailedUnit.Status.ERROR, reason,
                    withStack(new ArrayList<>(threadLines.get()), thrown));
        }
        synchronized (this) {
            if (!recorded.add(cellId + "|" + defense + "|" + unit.evaluator())) {
                return;
            }
            failures.add(unit);
        }
        host.log("failed " + cellId + "|" + defense + "|" + (unit.evaluator() == null ? "*" : unit.evaluator()) + " ("
                + unit.status().label() + "): " + unit.reason());
        if (thrown != null) {
            withStack(new ArrayList<>(), thrown).forEach(l -> host.log("  " + l));
        }
    }

    /** Forgets the failures of an earlier run of the same runner. */
    synchronized void clear() {
        failures.clear();
        recorded.clear();
    }

    synchronized List<FailedUnit> all() {
        return List.copyOf(failures);
    }

    synchronized boolean isEmpty() {
        return failures.isEmpty();
    }

    private static FailedUnit.Status status(SandboxException e) {
        return switch (e.status()) {
            case FAILED, OK -> FailedUnit.Status.FAILED;
            case TIMEOUT -> FailedUnit.Status.TIMEOUT;
            case MEMORY -> FailedUnit.Status.MEMORY;
            case INVALID_OUTPUT -> FailedUnit.Status.INVALID_OUTPUT;
            case DESCRIPTOR_MISMATCH -> FailedUnit.Status.DESCRIPTOR_MISMATCH;
            case UNAVAILABLE -> FailedUnit.Status.UNAVAILABLE;
        };
    }

    static String describe(Throwable e) {
        if (e instanceof UserException u) {
            return u.oneLine();
        }
        return e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static List<String> withStack(List<String> lines, Throwable e) {
        lines.add(describe(e));
        StackTraceElement[] stack = e.getStackTrace();
        for (int i = 0; i < Math.min(STACK_FRAMES, stack.length); i++) {
            lines.add("  at " + stack[i]);
        }
        if (e.getCause() != null && e.getCause() != e) {
            lines.add("caused by " + describe(e.getCause()));
        }
        return lines;
    }

    private static void keep(Deque<String> lines, String line) {
        lines.addLast(line);
        if (lines.size() > FailedUnit.MAX_LOG_LINES) {
            lines.removeFirst();
        }
    }
}
