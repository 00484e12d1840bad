// RunHandler — `interp-eval run` from typed options to an exit code: joins a data-parallel job when a launcher started
// it (Distributed/DistributedTraining), resolves the config, takes the --out folder's lock (rank 0), runs the pipeline
// (Runs/RunPipeline; a config with a "sweep" gets Sweeps/SweepRunExtension) with progress and Ctrl-C handling, and maps
// the outcome to an exit code. The other ranks of a job only train with rank 0 and exit 0; rank 0's verdict is the job's.
using System.Text.Json.Nodes;
using InterpEval.Harness.Config;
using InterpEval.Harness.Distributed;
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
/// <param name="CommandLine">The command line, which every rank of a job must share.</param>
public sealed record RunOptions(ConfigSources Sources, bool UpdateBaselines, int Calibrate, Device Device, int Threads, AnnotationMode Annotations,
    string CommandLine = "");

public sealed class RunHandler(TextWriter stdout, TextWriter stderr)
{
    public ExitCode Run(RunOptions o)
    {
        (JsonObject json, HarnessConfig config) = ConfigLoader.Load(o.Sources);
        using DistributedTraining? job = DistributedTraining.Start(Environment.GetEnvironmentVariable, DistributedTraining.WithConfig(o.CommandLine, json.ToJsonString()),
            DistributedTraining.Backend(null, o.Device));                                   // null alone
        try
        {
            return Run(o, json, config, job);
        }
        catch (Exception e) when (job is not null)
        {
            job.Abandon(e);                                                                  // rank 0: the others stop too
            throw;
        }
    }

    private ExitCode Run(RunOptions o, JsonObject json, HarnessConfig config, DistributedTraining? job)
    {
        bool update = o.UpdateBaselines;
        int calibrate = o.Calibrate;
        if (calibrate > 0 && !update) throw new UsageException("--calibrate: only with --update-baselines (it writes the baseline's tolerances)");
        if (job is not null && calibrate > 0 && config.Sweep is not null)
            throw new UsageException("--calibrate with a config that has a \"sweep\" does not run data parallel (each seed's sweep replaces the last) — calibrate it in one process");
        bool writer = job is not { IsWriter: false };
        var request = new RunRequest(config, json, update, o.Device, o.Threads, o.Annotations, calibrate,
            Extension: config.Sweep is null ? null : new Sweeps.SweepRunExtension(), Job: job);
        OutputLock? outputLock = null;                                                      // one run per --out folder; rank 0 writes
        try
        {
            if (job is null) outputLock = OutputLock.Acquire(config.Out);
            else
                job.Agree("training", () =>                                                 // rank 0's folder and baseline, or every rank stops
                {
                    outputLock = OutputLock.Acquire(config.Out);
                    RunPipeline.Preflight(request);
                    return "";
                });
            var pipeline = new RunPipeline(stdout, writer ? Terminal.Progress(stdout, stderr) : Terminal.Progress(TextWriter.Null, TextWriter.Null));
            using CtrlC ctrlC = CtrlC.Listen();
            try
            {
                if (!writer)
                {
                    pipeline.TrainDataParallel(request, ctrlC.Token);                      // then rank 0 evaluates alone
                    return ExitCode.Ok;
                }
                return pipeline.Run(request, ctrlC.Token).ExitCode;
            }
            catch (OperationCanceledException) when (ctrlC.Pressed)
            {
                stderr.WriteLine(ErrorReport.Prefix + "interrupted — no partial results, history row or baseline were written");
                return ExitCode.Interrupted;
            }
        }
        finally
        {
            outputLock?.Dispose();
        }
    }
}
