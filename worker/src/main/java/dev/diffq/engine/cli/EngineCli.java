package dev.diffq.engine.cli;

import java.io.PrintStream;
import java.util.Arrays;

import dev.diffq.engine.bench.EngineBench;
import dev.diffq.engine.train.OptimizerBench;

/**
 * {@code bin/diffq engine ...}: the diffusion engine on local files, no services needed. Each command is a class
 * with {@code run(String[] args, PrintStream out)} returning the exit code, so tests can call them directly.
 */
public final class EngineCli {
    private EngineCli() {}

    static final String USAGE = """
            usage: diffq engine COMMAND [options]     (diffq engine COMMAND --help for its options)
              train             train a UNet on mnist, fashion-mnist, emoji or an image folder, with checkpoints
              sample            generate images from a checkpoint (DDPM, DDIM, DPM-Solver++, guidance)
              inpaint           fill the white region of a mask in an image
              img2img           start from a noised input image (SDEdit)
              anagram           images that read as class a upright and class b upside down
              hybrid            low frequencies of class a, high frequencies of class b
              bench             one JSON line of training and sampling speed for a preset
              bench-optimizer   one JSON line: ms per AdamW and Muon update of a preset's parameters
              train-classifier  train the classifier evaluate uses for a dataset (--dataset, default mnist)
              evaluate          class accuracy and Frechet distance of labelled samples of a dataset
              mnist-digit       write one MNIST digit (and a mask) as PNG, to try inpainting and img2img on
              check-conv        is the float32 convolution right on this machine? (against float64)
            """;

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    public static int run(String[] args, PrintStream out) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (rest.length > 0 && (rest[0].equals("--help") || rest[0].equals("-h"))) {
            rest = new String[] {"--help"};
        }
        return switch (args[0]) {
            case "sample", "inpaint", "img2img", "anagram", "hybrid" -> rest.length == 1 && rest[0].equals("--help")
                    ? help(out, SampleCommand.USAGE) : SampleCommand.run(args[0], rest, out);
            case "train" -> TrainCommand.run(rest, out);
            case "train-classifier" -> TrainClassifierCommand.run(rest, out);
            case "evaluate" -> EvaluateCommand.run(rest, out);
            case "mnist-digit" -> rest.length == 1 && rest[0].equals("--help") ? help(out, DigitCommand.USAGE) : DigitCommand.run(rest, out);
            case "check-conv" -> ConvCheckCommand.run(rest, out);
            case "bench" -> {
                EngineBench.main(rest);
                yield 0;
            }
            case "bench-optimizer" -> {
                OptimizerBench.main(rest);
                yield 0;
            }
            default -> {
                out.println("diffq engine: unknown command '" + args[0] + "'");
                out.print(USAGE);
                yield 2;
            }
        };
    }

    private static int help(PrintStream out, String usage) {
        out.print(usage);
        return 0;
    }
}
