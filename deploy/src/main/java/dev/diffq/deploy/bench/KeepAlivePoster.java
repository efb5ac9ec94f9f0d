package dev.diffq.deploy.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The submission burst's load generator: one HTTP/1.1 connection kept alive, one request prepared once and sent
 * again and again, the response read just far enough to know its status and body. The bench's clients run on the
 * same cores as the coordinator they measure; {@code java.net.http.HttpClient} (a selector thread and several
 * hand-offs per request) took a large share of those cores, which a load generator should not.
 *
 * <p>Handles {@code Content-Length} and chunked bodies, and opens a new connection when the server closes one
 * ({@code Connection: close}) or after a failed request.
 */
final class KeepAlivePoster implements Closeable {
    record Response(int status, String body) {}

    private final String host;
    private final int port;
    private final byte[] request;
    private final int timeoutMs;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    /** Connections opened so far (1 when keep-alive held throughout). */
    private int connections;

    KeepAlivePoster(URI base, String path, String contentType, byte[] body, int timeoutMs) {
        if (!"http".equals(base.getScheme())) {
            throw new IllegalArgumentException("only http:// URLs are supported, got " + base);
        }
        this.host = base.getHost();
        this.port = base.getPort() < 0 ? 80 : base.getPort();
        this.timeoutMs = timeoutMs;
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nContent-Type: " + contentType
                + "\r\nContent-Length: " + body.length + "\r\nConnection: keep-alive\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        request = new byte[h.length + body.length];
        System.arraycopy(h, 0, request, 0, h.length);
        System.arraycopy(body, 0, request, h.length, body.length);
    }

    int connections() {
        return connections;
    }

    /**
     * Sends the prepared request once and reads its response. A failure is not retried (a POST that reached the
     * server may have made a job; the bench counts it as an I/O error); the next call opens a new connection.
     */
    Response post() throws IOException {
        if (socket == null) {
            connect();
        }
        try {
            out.write(request);
            out.flush();
            return read();
        } catch (IOException e) {
            closeSocket();
            throw e;
        }
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoTimeout(timeoutMs);
        s.connect(new InetSocketAddress(host, port), timeoutMs);
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
        out = s.getOutputStream();
        connections++;
    }

    private Response read() throws IOException {
        String status = line();
        if (!status.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x response: " + status);
        }
        int sp = status.indexOf(' ');
        int code = Integer.parseInt(status.substring(sp + 1, sp + 4));
        long length = -1;
        boolean chunked = false;
        boolean close = status.startsWith("HTTP/1.0");
        for (String h = line(); !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> close = value.equalsIgnoreCase("close");
                default -> { }
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (long size = chunkSize(line()); size > 0; size = chunkSize(line())) {
                copy(size, body);
                line(); // the CRLF after each chunk
            }
            for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
                // trailers carry nothing the bench needs
            }
        } else if (length >= 0) {
            copy(length, body);
        } else {
            close = true; // body runs to the end of the connection
            in.transferTo(body);
        }
        if (close) {
            closeSocket();
        }
        return new Response(code, body.toString(StandardCharsets.UTF_8));
    }

    private static long chunkSize(String line) throws IOException {
        int semi = line.indexOf(';');
        try {
            return Long.parseLong((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
        } catch (NumberFormatException e) {
            throw new IOException("bad chunk size line: " + line);
        }
    }

    private void copy(long n, ByteArrayOutputStream to) throws IOException {
        byte[] buf = new byte[(int) Math.min(8192, Math.max(n, 1))];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) {
                throw new EOFException("connection closed with " + n + " bytes of the body missing");
            }
            to.write(buf, 0, r);
            n -= r;
        }
    }

    /** One header line without its CRLF. */
    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed in the middle of a response");
            }
            if (b == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            sb.append((char) b);
        }
    }

    private void closeSocket() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a socket we are done with
            }
        }
        socket = null;
        in = null;
        out = null;
    }

    @Override
    public void close() {
        closeSocket();
    }
}
