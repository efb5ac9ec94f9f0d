package dev.diffq.engine.sample;

import dev.diffq.engine.schedule.NoiseSchedule;

import java.util.Locale;

/** The samplers by their wire names, with the step count each defaults to. */
public enum SamplerKind {
    DDPM("ddpm"),
    DDIM("ddim"),
    DPMPP_2M("dpmpp-2m");

    private final String wireName;

    SamplerKind(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static SamplerKind parse(String s) {
        if (s != null) {
            String k = s.trim().toLowerCase(Locale.ROOT);
            for (SamplerKind kind : values()) {
                if (kind.wireName.equals(k)) {
                    return kind;
                }
            }
            if (k.equals("dpm++2m") || k.equals("dpmpp2m") || k.equals("dpm-solver++")) {
                return DPMPP_2M;
            }
        }
        throw new IllegalArgumentException("unknown sampler '" + s + "': choose one of ddpm, ddim, dpmpp-2m");
    }

    /** Steps used when a request gives none: all T for DDPM, 50 for DDIM, 20 for DPM-Solver++ (capped at T). */
    public int defaultSteps(int trainSteps) {
        return switch (this) {
            case DDPM -> trainSteps;
            case DDIM -> Math.min(50, trainSteps);
            case DPMPP_2M -> Math.min(20, trainSteps);
        };
    }

    public Sampler create(NoiseSchedule schedule, double eta) {
        return switch (this) {
            case DDPM -> new DdpmSampler(schedule);
            case DDIM -> new DdimSampler(schedule, eta);
            case DPMPP_2M -> new DpmSolverPlusPlus2M(schedule);
        };
    }
}
