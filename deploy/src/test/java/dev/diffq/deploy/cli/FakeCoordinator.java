package dev.diffq.deploy.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A stand-in for the coordinator's HTTP API: answers are scripted per "METHOD /path" (query excluded), and
 * every request is recorded so tests can check what the CLI sent.
 */
final class FakeCoordinator implements AutoCloseable {

    record Request(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    record Answer(int status, String contentType, byte[] body) {}

    interface Handler {
        void handle(HttpExchange exchange, Request request) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, List<Handler>> routes = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();

    FakeCoordinator() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::dispatch);
        server.setExecutor(executor);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers {@code METHOD path} with JSON; several calls for one route answer in turn (the last repeats). */
    FakeCoordinator json(String route, int status, String body) {
        return on(route, (ex, req) -> send(ex, status, "application/json", body.getBytes(StandardCharsets.UTF_8)));
    }

    FakeCoordinator bytes(String route, byte[] body) {
        return on(route, (ex, req) -> send(ex, 200, "application/octet-stream", body));
    }

    /** Answers with a text/event-stream made of the given events, then closes the stream. */
    FakeCoordinator sse(String route, String... events) {
        return on(route, (ex, req) -> {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream os = ex.getResponseBody()) {
                for (String e : events) {
                    os.write((e + "\n\n").getBytes(StandardCharsets.UTF_8));
                    os.flush();
                }
            }
        });
    }

    FakeCoordinator on(String route, Handler handler) {
        routes.computeIfAbsent(route, k -> new CopyOnWriteArrayList<>()).add(handler);
        return this;
    }

    List<Request> requests(String method, String path) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).toList();
    }

    private final Map<String, Integer> served = new ConcurrentHashMap<>();

    private void dispatch(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        Request req = new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRequestURI().getRawQuery(),
                Map.copyOf(ex.getRequestHeaders()), body);
        requests.add(req);
        String route = req.method() + " " + req.path();
        List<Handler> handlers = routes.get(route);
        if (handlers == null || handlers.isEmpty()) {
            send(ex, 404, "application/json", ("{\"error\":\"not_found\",\"message\":\"no route " + route + " in the fake\"}")
                    .getBytes(StandardCharsets.UTF_8));
            return;
        }
        int n = served.merge(route, 1, Integer::sum) - 1;
        handlers.get(Math.min(n, handlers.size() - 1)).handle(ex, req);
    }

    static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
