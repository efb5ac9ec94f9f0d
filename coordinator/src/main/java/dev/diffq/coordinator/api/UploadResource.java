package dev.diffq.coordinator.api;

import java.io.InputStream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.diffq.coordinator.CoordinatorRuntime;
import dev.diffq.coordinator.uploads.DatasetUnpacker;
import dev.diffq.coordinator.uploads.ImageUploads;
import dev.diffq.coordinator.uploads.LimitedInput;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Uploaded images (POST /v1/uploads) and datasets (POST /v1/datasets/{name}). */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
public class UploadResource {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    CoordinatorRuntime runtime;

    @POST
    @Path("uploads")
    @Consumes(MediaType.WILDCARD)
    public Response upload(InputStream body) {
        byte[] bytes = LimitedInput.readAll(body, runtime.limits().maxUploadBytes(), "an upload");
        return Response.status(201).entity(json(runtime.uploads().store(bytes))).build();
    }

    @GET
    @Path("uploads/{id}")
    public String upload(@PathParam("id") String id) {
        return json(runtime.uploads().find(id).orElseThrow(() -> ApiException.notFound("no upload " + id)));
    }

    @POST
    @Path("datasets/{name}")
    @Consumes(MediaType.WILDCARD)
    public Response dataset(@PathParam("name") String name, InputStream body) {
        DatasetUnpacker.checkName(name);
        byte[] zip = LimitedInput.readAll(body, runtime.limits().maxDatasetBytes(), "a dataset");
        DatasetUnpacker.Dataset d = runtime.datasets().unpack(name, zip);
        ObjectNode n = JSON.createObjectNode();
        n.put("name", d.name());
        n.put("images", d.images());
        d.classes().forEach(n.putArray("classes")::add);
        return Response.status(201).entity(n.toString()).build();
    }

    private static String json(ImageUploads.Upload u) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", u.id());
        n.put("width", u.width());
        n.put("height", u.height());
        n.put("channels", u.channels());
        n.put("size", u.size());
        return n.toString();
    }
}
