// UsageException — an option value that parsed but cannot be used (for example --device cuda on a CPU-only
// libtorch). It is the ArgumentException the error mapping treats as bad input; other ArgumentExceptions are bugs.
namespace InterpEval.Harness.Tool;

public sealed class UsageException(string message, Exception? inner = null) : ArgumentException(message, inner);
