package dev.diffq.deploy.cli;

import java.util.Optional;

/**
 * Server-sent events, line by line (the text/event-stream format): {@code event:} and {@code data:} fields,
 * several data lines joined with newlines, a blank line ends an event, lines starting with ':' are comments.
 */
final class SseParser {

    record Event(String name, String data, String id) {}

    private String name = "";
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String id = "";

    /** Feeds one line (without its line break); returns the event a blank line completes. */
    Optional<Event> line(String line) {
        if (line.isEmpty()) {
            if (!hasData && name.isEmpty()) {
                return Optional.empty();
            }
            Event e = new Event(name.isEmpty() ? "message" : name, data.toString(), id);
            name = "";
            data.setLength(0);
            hasData = false;
            return Optional.of(e);
        }
        if (line.startsWith(":")) {
            return Optional.empty();
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "event" -> name = value;
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "id" -> id = value;
            default -> { } // retry and unknown fields: ignored
        }
        return Optional.empty();
    }
}
