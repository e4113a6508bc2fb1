package org.purifybench.core.host;

import java.io.PrintStream;
import java.time.temporal.ChronoUnit;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.purifybench.core.train.SgdTrainer;
import org.purifybench.spi.Host;
import org.purifybench.spi.Progress;
import org.purifybench.spi.Trainer;

/**
 * The services every plug-in gets. Progress goes to a console bar with ETA (stderr), or nowhere
 * when quiet (tests, child processes whose parent draws the bars).
 */
public final class DefaultHost implements Host {
    private final boolean showProgress;
    private final PrintStream log;
    private final Trainer trainer;

    public DefaultHost(boolean showProgress, PrintStream log) {
        this.showProgress = showProgress;
        this.log = log;
        this.trainer = new SgdTrainer(this);
    }

    public static DefaultHost quiet() {
        return new DefaultHost(false, System.err);
    }

    @Override
    public Trainer trainer() {
        return trainer;
    }

    @Override
    public Progress progress(String phase, long total) {
        if (!showProgress) {
            return new Progress() {
                @Override
                public void step(long n) {
                }

                @Override
                public void close() {
                }
            };
        }
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(phase)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(1000)
                .setSpeedUnit(ChronoUnit.SECONDS)
                .setMaxRenderedLength(120)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
        return new Progress() {
            @Override
            public void step(long n) {
                bar.stepBy(n);
            }

            @Override
            public void message(String text) {
                bar.setExtraMessage(" " + text);
            }

            @Override
            public void close() {
                bar.close();
            }
        };
    }

    @Override
    public void log(String message) {
        log.println(message);
    }
}
