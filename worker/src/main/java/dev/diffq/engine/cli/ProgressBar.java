package dev.diffq.engine.cli;

import java.io.PrintStream;

/** One line redrawn in place on a terminal; a line per 10% otherwise (logs stay readable). */
public final class ProgressBar {
    private final PrintStream out;
    private final String label;
    private final boolean terminal = System.console() != null;
    private final long started = System.nanoTime();
    private long lastDraw;
    private int lastDecile = -1;

    public ProgressBar(PrintStream out, String label) {
        this.out = out;
        this.label = label;
    }

    /** @param extra e.g. "loss 0.031  82 img/s" */
    public void update(long step, long total, String extra) {
        long now = System.nanoTime();
        double frac = total > 0 ? Math.min(1, (double) step / total) : 0;
        double elapsed = (now - started) / 1e9;
        double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
        String line = String.format("%s [%-30s] %3.0f%% %d/%d %s ETA %s", label,
                "=".repeat((int) Math.round(frac * 30)), frac * 100, step, total, extra, duration(eta));
        if (terminal) {
            if (now - lastDraw > 100_000_000L || step >= total) {
                out.print("\r" + line + "   ");
                out.flush();
                lastDraw = now;
            }
        } else {
            int decile = (int) (frac * 10);
            if (decile != lastDecile) {
                out.println(line);
                lastDecile = decile;
            }
        }
    }

    public void done() {
        if (terminal) {
            out.println();
        }
    }

    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%d:%02d", s / 60, s % 60);
    }
}
