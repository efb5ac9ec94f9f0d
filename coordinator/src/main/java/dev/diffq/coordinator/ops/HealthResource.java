package dev.diffq.coordinator.ops;

import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.diffq.coordinator.CoordinatorRuntime;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** GET /q/health: Kafka (describeCluster) and S3 (bucket exists); 200 UP when both answer, else 503 DOWN. */
@Path("/q/health")
public class HealthResource {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    CoordinatorRuntime runtime;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response health() {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode checks = JSON.createArrayNode();
        boolean kafka = check(checks, "kafka", () -> {
            int nodes = runtime.admin().describeCluster().nodes()
                    .get(runtime.config().kafka().timeoutMs(), TimeUnit.MILLISECONDS).size();
            return nodes + " broker(s)";
        });
        boolean s3 = check(checks, "s3", () -> runtime.store().bucketExists()
                ? "bucket " + runtime.store().bucket() + " exists"
                : fail("bucket " + runtime.store().bucket() + " is missing"));
        boolean up = kafka && s3;
        out.put("status", up ? "UP" : "DOWN");
        out.set("checks", checks);
        return Response.status(up ? 200 : 503).type(MediaType.APPLICATION_JSON).entity(out.toString()).build();
    }

    private interface Probe {
        String run() throws Exception;
    }

    private static String fail(String why) {
        throw new IllegalStateException(why);
    }

    private static boolean check(ArrayNode checks, String name, Probe probe) {
        ObjectNode c = checks.addObject().put("name", name);
        try {
            String detail = probe.run();
            c.put("status", "UP").put("detail", detail);
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            c.put("status", "DOWN").put("detail", String.valueOf(e.getMessage()));
            return false;
        }
    }
}
