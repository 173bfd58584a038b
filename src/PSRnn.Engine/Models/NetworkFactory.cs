using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

public static class NetworkFactory
{
    // manual_seed is process-wide: serialise seeding + initialisation so that parallel runspaces
    // creating models at once each get exactly the weights their seed promises.
    private static readonly object SeedGate = new();

    /// <summary>
    /// Seeds libtorch's generator (dropout masks) from a value of the caller's, e.g. per epoch, so a
    /// resumed run draws the same masks. Process-wide: concurrent trials with dropout share it.
    /// </summary>
    public static void Reseed(long seed)
    {
        lock (SeedGate) random.manual_seed(seed);
    }

    public static RecurrentNetwork Create(ModelSpec spec, long seed, Device device, ScalarType dtype = ScalarType.Float32)
    {
        lock (SeedGate)
        {
            random.manual_seed(seed);
            return spec.Implementation switch
            {
                Implementation.Scratch => new ScratchNetwork(spec, dtype, device),
                _ => new FusedNetwork(spec, dtype, device),
            };
        }
    }
}
