package dev.diffq.deploy.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The parsed arguments of one command: options ({@code --name value}, {@code --name=value}), flags
 * ({@code --wait}) and positional arguments, checked against the command's declared options.
 */
final class CliArgs {
    private final Commands.Command command;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Set<String> flags = new LinkedHashSet<>();
    private final List<String> positional = new ArrayList<>();

    private CliArgs(Commands.Command command) {
        this.command = command;
    }

    static CliArgs parse(Commands.Command command, List<String> tokens) {
        CliArgs a = new CliArgs(command);
        boolean onlyPositional = false;
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (onlyPositional || !t.startsWith("-") || t.equals("-") || isNegativeNumber(t)) {
                a.positional.add(t);
                continue;
            }
            if (t.equals("--")) {
                onlyPositional = true;
                continue;
            }
            String name = t.startsWith("--") ? t.substring(2) : t.substring(1);
            String inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Commands.Opt opt = command.option(name).orElseThrow(() -> CliException.usage(
                    "unknown option " + t.replaceFirst("=.*", "") + " for '" + command.name() + "' (see bin/diffq help " + command.name() + ")"));
            if (opt.isFlag()) {
                if (inline != null) {
                    throw CliException.usage("--" + opt.name() + " takes no value");
                }
                a.flags.add(opt.name());
            } else {
                String value = inline;
                if (value == null) {
                    if (i + 1 >= tokens.size()) {
                        throw CliException.usage("--" + opt.name() + " needs a value: --" + opt.name() + " " + opt.arg());
                    }
                    value = tokens.get(++i);
                }
                a.values.put(opt.name(), value);
            }
        }
        if (a.positional.size() < command.minPositional()) {
            throw CliException.usage("missing " + command.positionalNames().get(a.positional.size())
                    + ": usage: bin/diffq " + command.usage());
        }
        if (a.positional.size() > command.positionalNames().size()) {
            throw CliException.usage("unexpected argument '" + a.positional.get(command.positionalNames().size())
                    + "': usage: bin/diffq " + command.usage());
        }
        return a;
    }

    private static boolean isNegativeNumber(String t) {
        return t.length() > 1 && t.charAt(0) == '-' && (Character.isDigit(t.charAt(1)) || t.charAt(1) == '.');
    }

    Commands.Command command() {
        return command;
    }

    boolean has(String name) {
        return values.containsKey(name) || flags.contains(name);
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    Optional<String> value(String name) {
        return Optional.ofNullable(values.get(name));
    }

    String value(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    Optional<String> positional(int index) {
        return index < positional.size() ? Optional.of(positional.get(index)) : Optional.empty();
    }

    Optional<Integer> intValue(String name) {
        return value(name).map(v -> parseInt(name, v));
    }

    Optional<Long> longValue(String name) {
        return value(name).map(v -> {
            try {
                return Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw CliException.usage("--" + name + ": expected a whole number, got '" + v + "'");
            }
        });
    }

    Optional<Float> floatValue(String name) {
        return value(name).map(v -> {
            try {
                float f = Float.parseFloat(v.trim());
                if (!Float.isFinite(f)) {
                    throw new NumberFormatException();
                }
                return f;
            } catch (NumberFormatException e) {
                throw CliException.usage("--" + name + ": expected a number, got '" + v + "'");
            }
        });
    }

    /** A comma-separated list of whole numbers ({@code 1,2,2}). */
    Optional<List<Integer>> intList(String name) {
        return value(name).map(v -> {
            List<Integer> out = new ArrayList<>();
            for (String part : v.split(",", -1)) {
                out.add(parseInt(name, part));
            }
            return out;
        });
    }

    static int parseInt(String name, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw CliException.usage("--" + name + ": expected a whole number, got '" + v + "'");
        }
    }
}
