// ExitCode — the process exit codes the tool promises (DESIGN §10): CI gates on them, so they never change meaning.
namespace InterpEval.Harness.Tool;

public enum ExitCode
{
    /// <summary>The command finished and nothing regressed.</summary>
    Ok = 0,

    /// <summary>At least one metric regressed against its baseline.</summary>
    Regression = 1,

    /// <summary>Bad input or usage: a missing or malformed file, an unknown option, an invalid value.</summary>
    BadInput = 2,

    /// <summary>A bug or an unexpected failure inside the tool (EX_SOFTWARE in sysexits.h).</summary>
    InternalError = 70,

    /// <summary>Stopped by Ctrl+C before it finished: nothing half-written; training saves a checkpoint to resume from (128 + SIGINT, as shells report it).</summary>
    Interrupted = 130,
}
