package dev.diffq.engine.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.diffq.engine.model.ConvCheck;
import dev.diffq.engine.train.DiffusionTrainer;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * {@code check-conv}: is the float32 convolution right on this machine? Runs {@link ConvCheck} over a grid of channel
 * counts and prints which layer shapes libtorch gets wrong and whether diffq's padded convolution covers them all.
 * Exit code 0 when it does, 1 when some layer shape is still wrong (training and sampling would be wrong here).
 */
public final class ConvCheckCommand {

    static final String USAGE = """
            usage: check-conv [--channels LIST] [--layers LIST] [--size N] [--batch N] [--device D] [--seed S] [--json]
              Compares the float32 convolution, forward and both gradients, with float64 for every in x out pair of
              channel counts, raw (libtorch as is) and through diffq's Conv (which pads the counts libtorch 2.7.1 gets
              wrong on AVX2/AVX-512 CPUs). Run it once on a new machine kind. Exit code 1 if a layer is wrong through Conv.
              --channels LIST   channel counts (default 1,2,3,4,8,12,16,20,24,32,40,48,64,72,80,96,128)
              --layers LIST     kernel:stride pairs (default 3:1,3:2,1:1)
              --size N          input height and width (default 8)
              --batch N         batch size (default 2)
              --device D        cpu, gpu or gpu:N (default cpu)
              --seed S          random seed (default 0)
              --json            one JSON object on stdout
            """;

    private ConvCheckCommand() {}

    public static int run(String[] argv, PrintStream out) {
        int[] channels;
        int[][] layers;
        int size;
        int batch;
        int seed;
        boolean json;
        Device device;
        try {
            Args args = new Args(argv, Set.of("json", "help"));
            if (args.flag("help")) {
                out.print(USAGE);
                return 0;
            }
            channels = channels(args.string("channels", "1,2,3,4,8,12,16,20,24,32,40,48,64,72,80,96,128"));
            layers = layers(args.string("layers", "3:1,3:2,1:1"));
            size = args.integer("size", 8, 1, 512);
            batch = args.integer("batch", 2, 1, 1024);
            seed = args.integer("seed", 0, 0, Integer.MAX_VALUE);
            json = args.flag("json");
            String d = args.string("device", "cpu");
            args.finish();
            device = DiffusionTrainer.resolveDevice(d);
        } catch (IllegalArgumentException e) {
            out.println("check-conv: " + e.getMessage());
            out.print(USAGE);
            return 2;
        }
        ConvCheck.Report report = ConvCheck.run(channels, layers, size, batch, device, seed);
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("device", report.device());
            o.put("size", report.size());
            o.put("batch", report.batch());
            o.put("layer_shapes", report.rows().size());
            o.put("raw_wrong", report.rawWrong());
            o.put("conv_wrong", report.convWrong());
            o.put("raw_wrong_forward", names(report.rows(), ConvCheck.Row::rawForward));
            o.put("raw_wrong_input_gradient", names(report.rows(), ConvCheck.Row::rawInputGradient));
            o.put("conv_wrong_layers", names(report.rows(), ConvCheck.Row::convWrong));
            try {
                out.println(new ObjectMapper().writeValueAsString(o));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        } else {
            out.printf("%d layer shapes (in x out channels x kernel:stride), %dx%d inputs, batch %d, %s%n",
                    report.rows().size(), size, size, batch, report.device());
            out.printf("libtorch as is: %d wrong%n", report.rawWrong());
            out.println("  forward wrong:        " + String.join(" ", names(report.rows(), ConvCheck.Row::rawForward)));
            out.println("  input gradient wrong: " + String.join(" ", names(report.rows(), ConvCheck.Row::rawInputGradient)));
            out.printf("through diffq's Conv: %d wrong%s%n", report.convWrong(), report.convWrong() == 0 ? ""
                    : ": " + String.join(" ", names(report.rows(), ConvCheck.Row::convWrong)));
            out.println(report.convWrong() == 0 ? "OK: the padding covers every layer shape checked"
                    : "NOT OK: training and sampling with these layer shapes would be wrong on this machine");
        }
        return report.convWrong() == 0 ? 0 : 1;
    }

    private static List<String> names(List<ConvCheck.Row> rows, Predicate<ConvCheck.Row> which) {
        return rows.stream().filter(which)
                .map(r -> r.in() + "x" + r.out() + "x" + r.kernel() + ":" + r.stride()).collect(Collectors.toList());
    }

    static int[] channels(String list) {
        try {
            int[] c = Arrays.stream(list.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
            if (c.length == 0 || Arrays.stream(c).anyMatch(n -> n < 1 || n > 4096)) {
                throw new NumberFormatException();
            }
            return c;
        } catch (NumberFormatException e) {
            throw new Args.UsageException("--channels must be a comma-separated list of counts from 1 to 4096, got '" + list + "'");
        }
    }

    static int[][] layers(String list) {
        try {
            return Arrays.stream(list.split(",")).map(String::trim).map(p -> {
                String[] ks = p.split(":");
                int k = Integer.parseInt(ks[0]);
                int s = Integer.parseInt(ks[1]);
                if (ks.length != 2 || k < 1 || k > 7 || k % 2 == 0 || s < 1 || s > 4) {
                    throw new NumberFormatException();
                }
                return new int[] {k, s};
            }).toArray(int[][]::new);
        } catch (RuntimeException e) {
            throw new Args.UsageException("--layers must be kernel:stride pairs such as 3:1,3:2 (odd kernel 1-7, stride 1-4), got '"
                    + list + "'");
        }
    }
}
