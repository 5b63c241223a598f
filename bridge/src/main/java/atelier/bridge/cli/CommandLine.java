package atelier.bridge.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The words after `atelier`: a verb, then `--name value` options (`--flag` alone is "true"). */
record CommandLine(String verb, Map<String, String> options, List<String> arguments) {

    /** Thrown for a command line that cannot be run; the message names the option. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    static CommandLine parse(String[] args, Set<String> flags) throws UsageException {
        if (args.length == 0) {
            throw new UsageException("no command given");
        }
        Map<String, String> options = new LinkedHashMap<>();
        List<String> arguments = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String word = args[i];
            if (!word.startsWith("--")) {
                arguments.add(word);
                continue;
            }
            String name = word.substring(2);
            if (flags.contains(name)) {
                options.put(name, "true");
            } else if (i + 1 >= args.length) {
                throw new UsageException("--" + name + " needs a value");
            } else {
                options.put(name, args[++i]);
            }
        }
        return new CommandLine(args[0], options, arguments);
    }

    String text(String name) {
        return options.get(name);
    }

    String required(String name) throws UsageException {
        String value = options.get(name);
        if (value == null) {
            throw new UsageException("--" + name + " is required for " + verb);
        }
        return value;
    }

    Integer integer(String name) throws UsageException {
        String value = options.get(name);
        try {
            return value == null ? null : Integer.valueOf(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a whole number, not '" + value + "'");
        }
    }

    Long wholeLong(String name) throws UsageException {
        String value = options.get(name);
        try {
            return value == null ? null : Long.valueOf(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a whole number, not '" + value + "'");
        }
    }

    Double decimal(String name) throws UsageException {
        String value = options.get(name);
        try {
            return value == null ? null : Double.valueOf(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, not '" + value + "'");
        }
    }

    /** Fails on an option this verb does not know, so a typo never passes silently. */
    void allowOnly(Set<String> known) throws UsageException {
        for (String name : options.keySet()) {
            if (!known.contains(name)) {
                throw new UsageException("unknown option --" + name + " for " + verb);
            }
        }
    }
}
