// RunHandler — `interp-eval run` from typed options to an exit code: resolves the config, takes the --out folder's lock,
// runs the pipeline (Runs/RunPipeline; a config with a "sweep" gets Sweeps/SweepRunExtension) with progress and Ctrl-C
// handling, and maps the outcome to an exit code.
using System.Text.Json.Nodes;
using InterpEval.Harness.Config;
using InterpEval.Harness.Runs;
using InterpEval.Harness.Tool;
using InterpEval.Torch;

namespace InterpEval.Harness.Commands.Run;

/// <param name="Sources">The config layers: file, profile, --set overrides and the options that name config fields.</param>
/// <param name="UpdateBaselines">Rewrite the baseline from this run instead of gating on it.</param>
/// <param name="Calibrate">With UpdateBaselines: runs under seeds seed … seed + N − 1; 0 = one run.</param>
/// <param name="Device">Where tensors live.</param>
/// <param name="Threads">libtorch threads (recorded).</param>
/// <param name="Annotations">Diagnostics printed on stdout after the table.</param>
public sealed record RunOptions(ConfigSources Sources, bool UpdateBaselines, int Calibrate, Device Device, int Threads, AnnotationMode Annotations);

public sealed class RunHandler(TextWriter stdout, TextWriter stderr)
{
    public ExitCode Run(RunOptions o)
    {
        InterpEval.Harness.Training.DistributedTraining.RefuseUnsupported("run", Environment.GetEnvironmentVariable);   // data parallel is train's only
        (JsonObject json, HarnessConfig config) = ConfigLoader.Load(o.Sources);
        bool update = o.UpdateBaselines;
        int calibrate = o.Calibrate;
        if (calibrate > 0 && !update) throw new UsageException("--calibrate: only with --update-baselines (it writes the baseline's tolerances)");
        using OutputLock outputLock = OutputLock.Acquire(config.Out);                       // one run per --out folder
        var request = new RunRequest(config, json, update, o.Device, o.Threads, o.Annotations, calibrate,
            Extension: config.Sweep is null ? null : new Sweeps.SweepRunExtension());
        using CtrlC ctrlC = CtrlC.Listen();
        try
        {
            return new RunPipeline(stdout, Terminal.Progress(stdout, stderr)).Run(request, ctrlC.Token).ExitCode;
        }
        catch (OperationCanceledException) when (ctrlC.Pressed)
        {
            stderr.WriteLine(ErrorReport.Prefix + "interrupted — no partial results, history row or baseline were written");
            return ExitCode.Interrupted;
        }
    }
}
