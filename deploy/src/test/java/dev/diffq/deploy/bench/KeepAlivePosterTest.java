package dev.diffq.deploy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bench's load generator against a real HTTP server (the JDK's): bodies, keep-alive, chunking, closes. */
class KeepAlivePosterTest {
    private HttpServer server;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<InetSocketAddress> peers = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/fixed", ex -> answer(ex, 201, false, false));
        server.createContext("/chunked", ex -> answer(ex, 200, true, false));
        server.createContext("/close", ex -> answer(ex, 400, false, true));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(HttpExchange ex, int status, boolean chunked, boolean close) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        received.add(ex.getRequestMethod() + " " + ex.getRequestHeaders().getFirst("Content-Type") + " " + body);
        peers.add(ex.getRemoteAddress());
        byte[] reply = ("echo:" + body).getBytes(StandardCharsets.UTF_8);
        if (close) {
            ex.getResponseHeaders().add("Connection", "close");
        }
        ex.sendResponseHeaders(status, chunked ? 0 : reply.length);
        try (OutputStream out = ex.getResponseBody()) {
            if (chunked) {
                // two writes: two chunks
                out.write(reply, 0, 3);
                out.flush();
                out.write(reply, 3, reply.length - 3);
            } else {
                out.write(reply);
            }
        }
    }

    private URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private KeepAlivePoster poster(String path, String body) {
        return new KeepAlivePoster(base(), path, "application/json", body.getBytes(StandardCharsets.UTF_8), 5000);
    }

    @Test
    void sendsTheBodyAndKeepsOneConnection() throws IOException {
        try (KeepAlivePoster p = poster("/fixed", "{\"a\":1}")) {
            for (int i = 0; i < 3; i++) {
                KeepAlivePoster.Response r = p.post();
                assertEquals(201, r.status());
                assertEquals("echo:{\"a\":1}", r.body());
            }
            assertEquals(1, p.connections());
        }
        assertEquals(List.of("POST application/json {\"a\":1}", "POST application/json {\"a\":1}",
                "POST application/json {\"a\":1}"), received);
        assertEquals(1, peers.stream().distinct().count(), "all three requests came over one connection");
    }

    @Test
    void readsChunkedBodies() throws IOException {
        try (KeepAlivePoster p = poster("/chunked", "xyz-0123")) {
            assertEquals("echo:xyz-0123", p.post().body());
            KeepAlivePoster.Response again = p.post();
            assertEquals(200, again.status());
            assertEquals("echo:xyz-0123", again.body());
            assertEquals(1, p.connections());
        }
    }

    @Test
    void opensANewConnectionAfterTheServerClosesOne() throws IOException {
        try (KeepAlivePoster p = poster("/close", "b")) {
            assertEquals(400, p.post().status());
            assertEquals(400, p.post().status());
            assertEquals(2, p.connections());
        }
        assertEquals(2, peers.stream().distinct().count());
    }

    @Test
    void aServerThatIsNotThereIsAnIoError() throws IOException {
        int port = server.getAddress().getPort();
        server.stop(0);
        KeepAlivePoster p = new KeepAlivePoster(URI.create("http://127.0.0.1:" + port), "/fixed", "text/plain",
                new byte[0], 2000);
        assertThrows(IOException.class, p::post);
        assertThrows(IllegalArgumentException.class,
                () -> new KeepAlivePoster(URI.create("https://127.0.0.1:1"), "/", "text/plain", new byte[0], 1000));
    }
}
