package dev.diffq.engine.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.diffq.contract.SamplingProfile;
import dev.diffq.contract.SamplingProfiles;
import dev.diffq.engine.model.UNetConfig;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A training checkpoint: a directory {@code <root>/step-<n>/} holding the model weights, the EMA weights, the
 * optimizer moments, the training state (step, optimizer step count, data cursor, seed, time) and the config, with
 * {@code manifest.json} written last (it lists every file and its size; a directory without it is incomplete).
 * {@code <root>/latest.json} names the newest complete one. Arrays are DJL NDList files, one array per parameter in
 * the block's parameter order, each named after its parameter.
 */
public final class Checkpoint {

    public static final String FORMAT = "diffq-checkpoint/1";
    public static final String MANIFEST = "manifest.json";
    public static final String LATEST = "latest.json";
    public static final String MODEL = "model.ndlist";
    public static final String EMA = "ema.ndlist";
    public static final String OPTIMIZER_M = "optimizer-m.ndlist";
    public static final String OPTIMIZER_V = "optimizer-v.ndlist";
    public static final String STATE = "state.json";
    public static final String CONFIG = "config.json";
    /** The field of {@link #CONFIG} that records the model's recommended sampling profile. */
    public static final String SAMPLING_PROFILE = "sampling_profile";
    /** The checkpoints folder inside a training output directory. */
    public static final String ROOT_NAME = "checkpoints";

    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Checkpoint() {
    }

    /** Everything besides arrays and config that a resumed run needs. */
    public record State(long step, long optimizerSteps, long dataEpoch, int dataPosition, long seed,
                        double trainingSeconds, long imagesSeen, String datasetName, int datasetSize,
                        List<String> classNames) {
        public State {
            classNames = List.copyOf(classNames);
        }
    }

    // ---------------------------------------------------------------- save

    /**
     * Writes {@code <root>/step-<state.step>/} (into a temporary directory first, renamed into place once complete,
     * manifest last) and then points {@code latest.json} at it.
     */
    public static Path save(Path root, TrainConfig config, State state, List<String> names, List<NDArray> params,
                            List<NDArray> ema, AdamW optimizer) throws IOException {
        Files.createDirectories(root);
        String dirName = "step-" + state.step();
        Path dir = root.resolve(dirName);
        Path tmp = root.resolve("." + dirName + ".tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        writeArrays(tmp.resolve(MODEL), names, params);
        writeArrays(tmp.resolve(EMA), names, ema);
        writeArrays(tmp.resolve(OPTIMIZER_M), names, optimizer.firstMoments());
        writeArrays(tmp.resolve(OPTIMIZER_V), names, optimizer.secondMoments());
        writeJson(tmp.resolve(STATE), stateToJson(state));
        ObjectNode cfg = config.toJson();
        cfg.set(SAMPLING_PROFILE, profileToJson(recommendedProfile(config)));
        writeJson(tmp.resolve(CONFIG), cfg);

        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("format", FORMAT);
        manifest.put("step", state.step());
        ArrayNode files = manifest.putArray("files");
        for (String f : List.of(MODEL, EMA, OPTIMIZER_M, OPTIMIZER_V, STATE, CONFIG)) {
            ObjectNode e = files.addObject();
            e.put("name", f);
            e.put("size", Files.size(tmp.resolve(f)));
        }
        writeJson(tmp.resolve(MANIFEST), manifest);

        deleteTree(dir);
        moveAtomically(tmp, dir);
        ObjectNode latest = JSON.createObjectNode();
        latest.put("step", state.step());
        latest.put("dir", dirName);
        Path latestTmp = root.resolve("." + LATEST + ".tmp");
        writeJson(latestTmp, latest);
        moveAtomically(latestTmp, root.resolve(LATEST));
        return dir;
    }

    private static void writeArrays(Path file, List<String> names, List<NDArray> arrays) throws IOException {
        if (names.size() != arrays.size()) {
            throw new IllegalArgumentException(names.size() + " names for " + arrays.size() + " arrays");
        }
        List<String> before = new ArrayList<>(arrays.size());
        NDList list = new NDList(arrays.size());
        for (int i = 0; i < arrays.size(); i++) {
            before.add(arrays.get(i).getName());
            arrays.get(i).setName(names.get(i));
            list.add(arrays.get(i));
        }
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            list.encode(os);
        } finally {
            for (int i = 0; i < arrays.size(); i++) {
                arrays.get(i).setName(before.get(i));
            }
        }
    }

    // ---------------------------------------------------------------- find

    /** The newest complete checkpoint under {@code root} (via latest.json, else by scanning), or null. */
    public static Path latest(Path root) throws IOException {
        Path latest = root.resolve(LATEST);
        if (Files.isRegularFile(latest)) {
            try {
                JsonNode n = JSON.readTree(latest.toFile());
                Path dir = root.resolve(n.path("dir").asText("step-" + n.path("step").asLong()));
                if (isComplete(dir)) {
                    return dir;
                }
            } catch (IOException e) {
                // unreadable pointer: fall back to scanning
            }
        }
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> STEP_DIR.matcher(p.getFileName().toString()).matches())
                    .filter(Checkpoint::isComplete)
                    .max(Comparator.comparingLong(Checkpoint::stepOf))
                    .orElse(null);
        }
    }

    private static long stepOf(Path dir) {
        Matcher m = STEP_DIR.matcher(dir.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** True when the manifest exists and every file it lists is present with its recorded size. */
    public static boolean isComplete(Path dir) {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            return false;
        }
        try {
            JsonNode m = JSON.readTree(manifest.toFile());
            if (!FORMAT.equals(m.path("format").asText())) {
                return false;
            }
            for (JsonNode f : m.path("files")) {
                Path p = dir.resolve(f.path("name").asText());
                if (!Files.isRegularFile(p) || Files.size(p) != f.path("size").asLong(-1)) {
                    return false;
                }
            }
            return m.path("files").size() > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A checkpoint directory from any of: a step directory, a checkpoints root (its latest), or a training output
     * directory (its {@code checkpoints/} latest).
     */
    public static Path resolve(Path path) throws IOException {
        if (Files.isRegularFile(path.resolve(MANIFEST))) {
            if (!isComplete(path)) {
                throw new IOException("checkpoint " + path + " is incomplete (its manifest lists files that are missing "
                        + "or have the wrong size): use another step, or the checkpoints folder to take the latest");
            }
            return path;
        }
        for (Path root : List.of(path, path.resolve(ROOT_NAME))) {
            Path latest = latest(root);
            if (latest != null) {
                return latest;
            }
        }
        if (!Files.exists(path)) {
            throw new IOException("checkpoint path " + path + " does not exist");
        }
        throw new IOException("no complete checkpoint under " + path + ": expected a step-<n> folder with "
                + MANIFEST + ", a checkpoints folder with " + LATEST + ", or a training output folder with "
                + ROOT_NAME + "/");
    }

    // ---------------------------------------------------------------- read

    public static TrainConfig readConfig(Path dir) throws IOException {
        return TrainConfig.fromJson(JSON.readTree(dir.resolve(CONFIG).toFile()));
    }

    /** The sampling profile recommended for a model trained with {@code config}, as a checkpoint records it. */
    public static SamplingProfile recommendedProfile(TrainConfig config) {
        return SamplingProfiles.recommended(config.dataset(), config.model().inChannels());
    }

    /**
     * The sampling profile {@code dir}'s checkpoint recorded; a checkpoint written before profiles existed gets the
     * one its training config would record now.
     */
    public static SamplingProfile readSamplingProfile(Path dir) throws IOException {
        JsonNode cfg = JSON.readTree(dir.resolve(CONFIG).toFile());
        JsonNode p = cfg.path(SAMPLING_PROFILE);
        if (!p.isObject()) {
            return recommendedProfile(TrainConfig.fromJson(cfg));
        }
        return new SamplingProfile(p.path("name").asText(), p.path("data").asText(), p.path("sampler").asText(),
                p.path("steps").asInt(), (float) p.path("guidance").asDouble(),
                (float) p.path("guidance_sigma_min").asDouble(), (float) p.path("guidance_sigma_max").asDouble(),
                (float) p.path("guidance_lowpass_sigma").asDouble());
    }

    private static ObjectNode profileToJson(SamplingProfile p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", p.name());
        o.put("data", p.data());
        o.put("sampler", p.sampler());
        o.put("steps", p.steps());
        o.put("guidance", p.guidance());
        o.put("guidance_sigma_min", p.guidanceSigmaMin());
        o.put("guidance_sigma_max", p.guidanceSigmaMax());
        o.put("guidance_lowpass_sigma", p.guidanceLowpassSigma());
        return o;
    }

    public static State readState(Path dir) throws IOException {
        JsonNode n = JSON.readTree(dir.resolve(STATE).toFile());
        List<String> classes = new ArrayList<>();
        n.path("class_names").forEach(c -> classes.add(c.asText()));
        return new State(n.path("step").asLong(), n.path("optimizer_steps").asLong(), n.path("data_epoch").asLong(),
                n.path("data_position").asInt(), n.path("seed").asLong(), n.path("training_seconds").asDouble(),
                n.path("images_seen").asLong(), n.path("dataset_name").asText(), n.path("dataset_size").asInt(),
                classes);
    }

    /** Reads one array file onto {@code manager}. */
    public static NDList readArrays(Path dir, String file, NDManager manager) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(dir.resolve(file)), 1 << 20)) {
            return NDList.decode(manager, in);
        }
    }

    /**
     * Copies a saved array file into {@code targets} (parameter order), checking count, names and shapes, so a
     * checkpoint of another model fails with a message instead of loading garbage.
     */
    public static void restoreArrays(Path dir, String file, List<String> names, List<NDArray> targets, NDManager scratch)
            throws IOException {
        NDList saved = readArrays(dir, file, scratch);
        try {
            if (saved.size() != targets.size()) {
                throw new IllegalArgumentException(dir.resolve(file) + " holds " + saved.size() + " arrays but the model has "
                        + targets.size() + " parameters: the checkpoint was made for another model config");
            }
            for (int i = 0; i < targets.size(); i++) {
                NDArray s = saved.get(i);
                String what = file + " parameter " + names.get(i);
                if (s.getName() != null && !s.getName().equals(names.get(i))) {
                    throw new IllegalArgumentException(what + ": the checkpoint has '" + s.getName()
                            + "' in that place: the checkpoint was made for another model config");
                }
                Tensors.copyInto(s, targets.get(i), what);
            }
        } finally {
            saved.close();
        }
    }

    // ---------------------------------------------------------------- load for sampling

    /** Loads the EMA weights of the checkpoint at {@code path} (see {@link #resolve}) on the default device. */
    public static LoadedModel load(Path path) throws IOException {
        return load(path, true, null);
    }

    /**
     * @param ema    true for the EMA weights (what sampling should use), false for the raw ones
     * @param device null for the engine's default device
     */
    public static LoadedModel load(Path path, boolean ema, Device device) throws IOException {
        return load(path, ema, device, ModelFactory.UNET);
    }

    public static LoadedModel load(Path path, boolean ema, Device device, Function<UNetConfig, Block> factory)
            throws IOException {
        Path dir = resolve(path);
        TrainConfig config = readConfig(dir);
        State state = readState(dir);
        Model model = device == null ? Model.newInstance("diffq-unet") : Model.newInstance("diffq-unet", device);
        try {
            Block block = factory.apply(config.model());
            model.setBlock(block);
            initialize(block, model.getNDManager(), config.model());
            List<String> names = new ArrayList<>(block.getParameters().keys());
            List<NDArray> arrays = block.getParameters().values().stream().map(Parameter::getArray).toList();
            try (NDManager scratch = model.getNDManager().newSubManager(Device.cpu())) {
                restoreArrays(dir, ema ? EMA : MODEL, names, arrays, scratch);
            }
            return new LoadedModel(dir, model, block, config, state, ema, readSamplingProfile(dir));
        } catch (RuntimeException | IOException e) {
            model.close();
            throw e;
        }
    }

    /** Initializes a UNet-shaped block: inputs x [1, C, H, W], t [1], labels [1]. */
    static void initialize(Block block, NDManager manager, UNetConfig m) {
        block.initialize(manager, DataType.FLOAT32, new Shape(1, m.inChannels(), m.imageSize(), m.imageSize()),
                new Shape(1), new Shape(1));
    }

    // ---------------------------------------------------------------- helpers

    private static ObjectNode stateToJson(State s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", s.step());
        o.put("optimizer_steps", s.optimizerSteps());
        o.put("data_epoch", s.dataEpoch());
        o.put("data_position", s.dataPosition());
        o.put("seed", s.seed());
        o.put("training_seconds", s.trainingSeconds());
        o.put("images_seen", s.imagesSeen());
        o.put("dataset_name", s.datasetName());
        o.put("dataset_size", s.datasetSize());
        ArrayNode c = o.putArray("class_names");
        s.classNames().forEach(c::add);
        o.put("rng", "per-step streams derived from seed, step and micro-batch (no carried state)");
        return o;
    }

    private static void writeJson(Path file, JsonNode node) throws IOException {
        JSON.writeValue(file.toFile(), node);
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
