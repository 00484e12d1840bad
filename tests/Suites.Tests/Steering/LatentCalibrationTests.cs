// LatentCalibrationTests — a latent's calibration maximum, hand-computed: the largest value over rows that are not
// separators, 0 for a latent that never fires there.
using InterpEval.Interp.Activations;
using InterpEval.Suites.Steering;

namespace InterpEval.Suites.Tests.Steering;

public class LatentCalibrationTests
{
    // 4 rows × 3 latents: row 0 {0: 9}, row 1 {0: 2, 1: 5}, row 2 {}, row 3 {0: 4, 2: 1}; row 0 is a separator.
    private static readonly SparseLatents Latents = new(3, [0, 1, 3, 3, 5], [0, 0, 1, 0, 2], [9f, 2f, 5f, 4f, 1f]);
    private static readonly bool[] Separator = [true, false, false, false];

    [Test]
    public void Maximum_leaves_out_separator_rows()
    {
        Assert.That(LatentCalibration.MaxActivation(Latents, 0, Separator), Is.EqualTo(4));
        Assert.That(LatentCalibration.MaxActivation(Latents, 0, new bool[4]), Is.EqualTo(9));
        Assert.That(LatentCalibration.MaxActivation(Latents, 1, Separator), Is.EqualTo(5));
    }

    [Test]
    public void A_latent_that_never_fires_has_maximum_0() =>
        Assert.That(LatentCalibration.MaxActivation(Latents, 2, [true, false, false, true]), Is.EqualTo(0));
}
