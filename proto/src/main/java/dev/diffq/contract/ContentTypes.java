package dev.diffq.contract;

import java.util.Locale;

/**
 * Content types of job objects, shared by the worker (which stores them) and the coordinator (which lists them), so
 * an object's type is the same whichever of them names it.
 */
public final class ContentTypes {
    private ContentTypes() {}

    /** The content type of an artifact that is a folder of objects (a checkpoint), not one object. */
    public static final String DIRECTORY = "application/x-directory";

    /** A content type from the name's extension, for objects people open in a browser. */
    public static String of(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".png")) return "image/png";
        if (n.endsWith(".gif")) return "image/gif";
        if (n.endsWith(".jpg") || n.endsWith(".jpeg")) return "image/jpeg";
        if (n.endsWith(".json")) return "application/json";
        if (n.endsWith(".jsonl")) return "application/x-ndjson";
        if (n.endsWith(".txt") || n.endsWith(".log")) return "text/plain";
        return "application/octet-stream";
    }
}
