package dev.diffq.coordinator.api;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.diffq.coordinator.CoordinatorRuntime;
import dev.diffq.coordinator.jobs.ArtifactFiles;
import dev.diffq.coordinator.jobs.JobKind;
import dev.diffq.coordinator.jobs.JobService;
import dev.diffq.coordinator.jobs.JobTable;
import dev.diffq.contract.JobJson;
import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.JobState;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

/** The job calls of docs/API.md. Bodies are protobuf JSON (snake_case out, either case in). */
@Path("/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {
    static final int MAX_LIMIT = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    CoordinatorRuntime runtime;

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response submit(String body, @HeaderParam("Idempotency-Key") String idempotencyKey) {
        JobService.Submitted s = runtime.jobs().submit(parse(body), idempotencyKey);
        return Response.status(s.created() ? 201 : 200).entity(JobJson.print(s.record())).build();
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.WILDCARD)
    public Response put(@PathParam("id") String id, String body) {
        JobService.Submitted s = runtime.jobs().put(id, parse(body));
        return Response.status(s.created() ? 201 : 200).entity(JobJson.print(s.record())).build();
    }

    @GET
    @Path("{id}")
    public String get(@PathParam("id") String id) {
        return JobJson.print(find(id));
    }

    @GET
    public String list(@QueryParam("state") String state, @QueryParam("kind") String kind,
            @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        JobState stateFilter = null;
        if (state != null && !state.isEmpty()) {
            try {
                stateFilter = JobState.valueOf(state);
            } catch (IllegalArgumentException e) {
                stateFilter = null;
            }
            if (stateFilter == null || stateFilter == JobState.JOB_STATE_UNSPECIFIED || stateFilter == JobState.UNRECOGNIZED) {
                throw ApiException.invalid("state", "must be one of QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED");
            }
        }
        JobKind kindFilter = null;
        if (kind != null && !kind.isEmpty()) {
            kindFilter = JobKind.parse(kind);
            if (kindFilter == null) {
                throw ApiException.invalid("kind", "must be train or sample");
            }
        }
        int max = 50;
        if (limit != null && !limit.isEmpty()) {
            try {
                max = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                max = -1;
            }
            if (max < 1 || max > MAX_LIMIT) {
                throw ApiException.invalid("limit", "must be between 1 and " + MAX_LIMIT);
            }
        }
        JobTable.Page page;
        try {
            page = runtime.table().list(stateFilter, kindFilter, max, cursor == null || cursor.isEmpty() ? null : cursor);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("cursor", e.getMessage());
        }
        ObjectNode out = JSON.createObjectNode();
        ArrayNode jobs = out.putArray("jobs");
        for (JobRecord r : page.jobs()) {
            jobs.add(tree(JobJson.print(r)));
        }
        if (page.nextCursor() != null) {
            out.put("next_cursor", page.nextCursor());
        }
        return out.toString();
    }

    @POST
    @Path("{id}/cancel")
    @Consumes(MediaType.WILDCARD)
    public Response cancel(@PathParam("id") String id) {
        JobRecord r = runtime.jobs().cancel(id, "cancelled by request");
        return Response.status(202).entity(JobJson.print(r)).build();
    }

    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void events(@PathParam("id") String id, @Context SseEventSink sink, @Context Sse sse) {
        runtime.sse().subscribe(id, sink, sse);
    }

    @GET
    @Path("{id}/artifacts")
    public String artifacts(@PathParam("id") String id) {
        JobRecord job = find(id);
        ObjectNode out = JSON.createObjectNode();
        ArrayNode list = out.putArray("artifacts");
        for (ArtifactFiles.ArtifactFile f : ArtifactFiles.of(id, job.getArtifactsList(), runtime.store())) {
            list.addObject().put("name", f.name()).put("size", f.size()).put("content_type", f.contentType())
                    .put("kind", f.kind()).put("url", runtime.store().presignedGet(f.key()));
        }
        return out.toString();
    }

    private JobRecord find(String id) {
        return runtime.table().get(id).orElseThrow(() -> ApiException.notFound("no job " + id));
    }

    private static JobSpec parse(String body) {
        try {
            return JobJson.parseSpec(body);
        } catch (JobJson.InvalidJsonException e) {
            throw ApiException.invalid(List.of(e.violation()));
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
