// DistributedEnvironment against hand-written launcher environments: torchrun's variables, Slurm's, a single process,
// and each bad configuration naming its variable.
using InterpEval.Torch.Distributed;

namespace InterpEval.Torch.Tests.Distributed;

public class DistributedEnvironmentTests
{
    private static DistributedEnvironment? From(params (string Name, string Value)[] vars)
    {
        var env = vars.ToDictionary(v => v.Name, v => v.Value);
        return DistributedEnvironment.From(name => env.GetValueOrDefault(name));
    }

    [Test]
    public void No_variables_or_a_world_of_one_is_a_single_process()
    {
        Assert.That(From(), Is.Null);
        Assert.That(From(("WORLD_SIZE", "1"), ("RANK", "0")), Is.Null);
    }

    [Test]
    public void Torchrun_variables_are_read()
    {
        var e = From(("RANK", "3"), ("WORLD_SIZE", "4"), ("LOCAL_RANK", "1"), ("MASTER_ADDR", "10.0.0.2"), ("MASTER_PORT", "29400"), ("IE_DIST_TIMEOUT", "7"))!;
        Assert.That(e, Is.EqualTo(new DistributedEnvironment(3, 4, 1, "10.0.0.2", 29400, "torchrun") { Timeout = TimeSpan.FromSeconds(7) }));
        Assert.That(e.IsLoopback, Is.False);
    }

    [Test]
    public void Slurm_variables_are_read_with_the_default_port()
    {
        var e = From(("SLURM_PROCID", "5"), ("SLURM_NTASKS", "8"), ("SLURM_LOCALID", "1"), ("SLURM_LAUNCH_NODE_IPADDR", "127.0.0.1"))!;
        Assert.That((e.Rank, e.WorldSize, e.LocalRank, e.MasterAddr, e.MasterPort, e.Source), Is.EqualTo((5, 8, 1, "127.0.0.1", 29500, "slurm")));
        Assert.That(e.IsLoopback);
        Assert.That(From(("SLURM_PROCID", "0"), ("SLURM_NTASKS", "2"), ("SLURM_LAUNCH_NODE_IPADDR", "10.1.1.1"), ("MASTER_ADDR", "10.9.9.9"), ("MASTER_PORT", "1234"))!
            .MasterAddr, Is.EqualTo("10.9.9.9"), "MASTER_ADDR wins over Slurm's launch node");
    }

    [TestCase("MASTER_ADDR", "RANK=0", "WORLD_SIZE=2", "MASTER_PORT=29500")]
    [TestCase("MASTER_PORT", "RANK=0", "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1")]
    [TestCase("MASTER_PORT", "RANK=0", "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=70000")]
    [TestCase("MASTER_PORT", "RANK=0", "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=http")]
    [TestCase("RANK", "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=29500")]
    [TestCase("RANK", "RANK=2", "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=29500")]
    [TestCase("WORLD_SIZE", "RANK=1")]
    [TestCase("WORLD_SIZE", "RANK=0", "WORLD_SIZE=two")]
    [TestCase("SLURM_PROCID", "SLURM_NTASKS=2", "SLURM_LAUNCH_NODE_IPADDR=10.0.0.1")]
    public void A_bad_configuration_names_its_variable(string variable, params string[] vars)
    {
        var pairs = vars.Select(v => v.Split('=')).Select(p => (p[0], p[1])).ToArray();
        var e = Assert.Throws<DistributedConfigException>(() => From(pairs))!;
        Assert.That(e.Variable, Is.EqualTo(variable));
        Assert.That(e.Message, Does.StartWith(variable).Or.Contain(variable + " is not set").Or.Contain(variable));
    }
}
