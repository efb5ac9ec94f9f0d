package dev.diffq.deploy.cli;

import dev.diffq.proto.Progress;

import java.util.Locale;

/** One line describing a job's progress: a bar, the step count, loss, throughput and time left. */
final class ProgressView {
    private ProgressView() {}

    static final int BAR_WIDTH = 30;

    static String line(Progress p) {
        StringBuilder b = new StringBuilder();
        if (p.getTotal() > 0) {
            double fraction = Math.max(0, Math.min(1, (double) p.getStep() / p.getTotal()));
            int filled = (int) Math.floor(fraction * BAR_WIDTH);
            b.append('[').append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append("] ");
            b.append(String.format(Locale.ROOT, "%3d%%  ", (int) Math.floor(fraction * 100)));
            b.append(p.getStep()).append('/').append(p.getTotal());
        } else {
            b.append("step ").append(p.getStep());
        }
        if (!p.getPhase().isEmpty()) {
            b.append("  ").append(p.getPhase());
        }
        if (p.getLoss() != 0) {
            b.append(String.format(Locale.ROOT, "  loss %.4f", p.getLoss()));
        }
        if (p.getImagesPerSec() > 0) {
            b.append(String.format(Locale.ROOT, "  %.1f img/s", p.getImagesPerSec()));
        }
        if (p.getEtaSeconds() > 0) {
            b.append("  eta ").append(duration(p.getEtaSeconds()));
        }
        return b.toString();
    }

    /** 42s, 3m05s, 2h07m. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    /** 812 B, 12.3 KB, 4.5 MB. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KB", n / 1024.0);
        }
        if (n < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MB", n / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GB", n / (1024.0 * 1024 * 1024));
    }
}
