package dev.diffq.coordinator;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

@Path("/v1/ping")
public class HealthPing {
    @GET
    public String ping() {
        return "ok";
    }
}
