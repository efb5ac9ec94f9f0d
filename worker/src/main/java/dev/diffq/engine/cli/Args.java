package dev.diffq.engine.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} / {@code --name=value} / {@code --flag} options of an engine command. Every lookup names the
 * option in its error, and {@link #finish()} rejects options the command does not know.
 */
public final class Args {
    /** A command-line mistake: the message is shown to the person with the command's usage. */
    public static final class UsageException extends IllegalArgumentException {
        public UsageException(String message) {
            super(message);
        }
    }

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Set<String> used = new LinkedHashSet<>();

    public Args(String[] args, Set<String> flags) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || a.length() == 2) {
                throw new UsageException("unexpected argument '" + a + "'");
            }
            String name = a.substring(2);
            int eq = name.indexOf('=');
            if (eq >= 0) {
                values.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (flags.contains(name)) {
                values.put(name, "true");
            } else if (i + 1 < args.length) {
                values.put(name, args[++i]);
            } else {
                throw new UsageException("option --" + name + " needs a value");
            }
        }
    }

    public boolean has(String name) {
        used.add(name);
        return values.containsKey(name);
    }

    public String string(String name, String def) {
        used.add(name);
        return values.getOrDefault(name, def);
    }

    public String required(String name) {
        used.add(name);
        String v = values.get(name);
        if (v == null || v.isBlank()) {
            throw new UsageException("--" + name + " is required");
        }
        return v;
    }

    public Path path(String name) {
        return Path.of(required(name));
    }

    public boolean flag(String name) {
        used.add(name);
        return Boolean.parseBoolean(values.getOrDefault(name, "false"));
    }

    public int integer(String name, int def, int min, int max) {
        used.add(name);
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a whole number between " + min + " and " + max + ", got '" + v + "'");
        }
    }

    public long longValue(String name, long def) {
        used.add(name);
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a whole number, got '" + v + "'");
        }
    }

    public double number(String name, double def, double min, double max) {
        used.add(name);
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (!(d >= min && d <= max)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number between " + min + " and " + max + ", got '" + v + "'");
        }
    }

    /** "0-9", "1,3,5", "2-4,7" or "all" (every class of the model: returns an empty list). */
    public List<Integer> classes(String name, String def) {
        String v = string(name, def);
        List<Integer> out = new ArrayList<>();
        if (v == null || v.isBlank() || v.equals("all") || v.equals("none")) {
            return out;
        }
        try {
            for (String part : v.split(",")) {
                String p = part.trim();
                int dash = p.indexOf('-', 1);
                if (dash > 0) {
                    int a = Integer.parseInt(p.substring(0, dash).trim());
                    int b = Integer.parseInt(p.substring(dash + 1).trim());
                    if (b < a) {
                        throw new NumberFormatException();
                    }
                    for (int c = a; c <= b; c++) {
                        out.add(c);
                    }
                } else {
                    out.add(Integer.parseInt(p));
                }
            }
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a list like 0-9 or 1,3,5, got '" + v + "'");
        }
        return out;
    }

    /** Fails on options the command did not ask about (typos). */
    public void finish() {
        for (String k : values.keySet()) {
            if (!used.contains(k)) {
                throw new UsageException("unknown option --" + k);
            }
        }
    }
}
