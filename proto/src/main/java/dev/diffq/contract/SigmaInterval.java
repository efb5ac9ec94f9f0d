package dev.diffq.contract;

/**
 * The text form of a guidance interval, {@code MIN,MAX} in noise levels sigma, as both command lines take it
 * (the client's {@code --guidance-interval} and the engine's). An empty side is 0, which means no bound.
 * Only the syntax is checked here; the ranges are {@link SpecValidator}'s and the engine's.
 */
public record SigmaInterval(double min, double max) {

    public static SigmaInterval parse(String text) {
        String[] parts = text.split(",", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("expected MIN,MAX in noise levels sigma (e.g. 0,5.4), got '" + text + "'");
        }
        return new SigmaInterval(number(parts[0]), number(parts[1]));
    }

    private static double number(String s) {
        s = s.trim();
        if (s.isEmpty()) {
            return 0;
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a number");
        }
    }
}
