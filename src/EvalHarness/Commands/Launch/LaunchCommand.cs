// LaunchCommand — `interp-eval launch --nproc N -- COMMAND …`: starts N local ranks of the tool with torchrun's
// variables (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1, MASTER_PORT), for data-parallel `train` on one
// machine. Several machines are started by torchrun, Slurm or Kubernetes with the same variables (docs/distributed.md).
using System.CommandLine;

namespace InterpEval.Harness.Commands.Launch;

public static class LaunchCommand
{
    public static readonly Option<int> NProc = new("--nproc")
    {
        Description = "Ranks to start on this machine", HelpName = "N", Required = true, CustomParser = OptionParsers.PositiveInt("--nproc"),
    };

    public static readonly Option<int> MasterPort = new("--master-port")
    {
        Description = "TCP port of rank 0's rendezvous store; 0 (default) picks a free one", HelpName = "PORT", DefaultValueFactory = _ => 0,
    };

    public static readonly Argument<string[]> Arguments = new("command")
    {
        Description = "The interp-eval command each rank runs, after `--` (for example: -- train --kind sae --arch relu --width 256)",
        Arity = ArgumentArity.OneOrMore,
    };

    public static Command Create()
    {
        var command = new Command("launch", "Start N local ranks of a data-parallel command (torchrun-style: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)")
        {
            NProc, MasterPort, Arguments,
        };
        command.SetAction(p => (int)new LaunchHandler(p.InvocationConfiguration.Output, p.InvocationConfiguration.Error).Run(
            new LaunchOptions(p.GetValue(NProc), p.GetValue(MasterPort), p.GetValue(GlobalOptions.Threads), p.GetValue(Arguments) ?? [])));
        return command;
    }
}
