using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

public static class NetworkFactory
{
    // manual_seed is process-wide: serialise seeding + initialisation so that parallel runspaces
    // creating models at once each get exactly the weights their seed promises.
    private static readonly object SeedGate = new();

    public static RecurrentNetwork Create(ModelSpec spec, long seed, Device device, ScalarType dtype = ScalarType.Float32)
    {
        lock (SeedGate)
        {
            random.manual_seed(seed);
            return spec.Implementation switch
            {
                Implementation.Scratch => new ScratchRnn(spec, dtype, device),
                _ => new FusedRnn(spec, dtype, device),
            };
        }
    }
}
