// Program — the process entry point of `interp-eval`: hands the arguments and the console streams to InterpEvalCli.
namespace InterpEval.Harness.Cli;

public static class Program
{
    public static int Main(string[] args) => InterpEvalCli.Run(args, Console.Out, Console.Error);
}
