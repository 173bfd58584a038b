using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

internal static class NetworkFactory
{
    private static readonly object SeedGate = new();

    /// <summary>
    /// Seeds libtorch's generator (dropout masks) from a value of the caller's, e.g. per epoch, so a
    /// resumed run draws the same masks. Process-wide: concurrent trials with dropout share it.
    /// </summary>
    public static void Reseed(long seed)
    {
        lock (SeedGate) random.manual_seed(seed);
    }

    /// <summary>
    /// The network a spec describes. Initial weights come from a generator of the network's own
    /// (<see cref="WeightInit"/>), so they depend on the seed alone, whatever other runspaces draw
    /// from libtorch's process-wide generator meanwhile (dropout masks, <see cref="Reseed"/>).
    /// </summary>
    public static RecurrentNetwork Create(ModelSpec spec, long seed, Device device, ScalarType dtype = ScalarType.Float32)
    {
        NativeHeap.RetainFreedMemory();
        using var init = new WeightInit(seed, dtype, device);
        return spec.Implementation switch
        {
            Implementation.Scratch => new ScratchNetwork(spec, init),
            _ => new FusedNetwork(spec, init),
        };
    }
}
