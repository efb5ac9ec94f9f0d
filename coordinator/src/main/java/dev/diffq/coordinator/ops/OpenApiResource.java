package dev.diffq.coordinator.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * GET /q/openapi: the hand-written OpenAPI 3 document (resources/openapi/diffq.yaml, kept in step with
 * docs/API.md), and GET /q/swagger-ui: a plain page listing its operations (no external scripts).
 */
@Path("/q")
public class OpenApiResource {
    static final String DOCUMENT = "openapi/diffq.yaml";

    record Operation(String method, String path, String summary) {}

    @GET
    @Path("openapi")
    @Produces("application/yaml")
    public String openapi() {
        return document();
    }

    @GET
    @Path("swagger-ui")
    @Produces(MediaType.TEXT_HTML)
    public String swaggerUi() {
        StringBuilder html = new StringBuilder("""
                <!doctype html><html><head><meta charset="utf-8"><title>diffq API</title>
                <style>body{font-family:sans-serif;margin:2em}td{padding:.3em .8em;border-bottom:1px solid #ddd}
                .m{font-weight:bold;text-transform:uppercase}</style></head><body>
                <h1>diffq API</h1><p>The OpenAPI 3 document: <a href="/q/openapi">/q/openapi</a></p><table>
                """);
        for (Operation op : operations(document())) {
            html.append("<tr><td class=\"m\">").append(escape(op.method())).append("</td><td><code>")
                    .append(escape(op.path())).append("</code></td><td>").append(escape(op.summary()))
                    .append("</td></tr>\n");
        }
        return html.append("</table></body></html>\n").toString();
    }

    static String document() {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(DOCUMENT)) {
            if (in == null) {
                throw new IllegalStateException(DOCUMENT + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The operations under {@code paths:} (two-space indents: path, method, then its summary). */
    static List<Operation> operations(String yaml) {
        List<Operation> ops = new ArrayList<>();
        boolean inPaths = false;
        String path = null;
        String method = null;
        for (String line : yaml.split("\n")) {
            if (!line.startsWith(" ") && !line.isBlank()) {
                inPaths = line.startsWith("paths:");
                continue;
            }
            if (!inPaths) {
                continue;
            }
            if (line.matches("  \\S.*:\\s*")) {
                path = line.trim().replaceAll(":$", "").replace("'", "");
            } else if (line.matches("    (get|put|post|delete|patch):\\s*")) {
                method = line.trim().replace(":", "");
            } else if (method != null && line.matches("      summary:.*")) {
                ops.add(new Operation(method, path, line.trim().substring("summary:".length()).trim()));
                method = null;
            }
        }
        return ops;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
