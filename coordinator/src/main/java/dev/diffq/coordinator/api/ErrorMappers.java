package dev.diffq.coordinator.api;

import java.util.List;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.diffq.contract.Violation;
import dev.diffq.coordinator.kafka.UnavailableException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Every error answer has the JSON body of docs/API.md ("Errors"). */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return body(e.status(), e.error(), e.getMessage(), e.violations());
    }

    @ServerExceptionMapper
    public Response unavailable(UnavailableException e) {
        LOG.warn(e.getMessage());
        return body(503, "unavailable", e.getMessage() + "; nothing was recorded", List.of());
    }

    public static Response body(int status, String error, String message, List<Violation> violations) {
        ObjectNode n = JSON.createObjectNode();
        n.put("error", error);
        n.put("message", message);
        if (!violations.isEmpty()) {
            ArrayNode a = n.putArray("violations");
            for (Violation v : violations) {
                a.addObject().put("field", v.field()).put("rule", v.rule());
            }
        }
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(n.toString()).build();
    }
}
