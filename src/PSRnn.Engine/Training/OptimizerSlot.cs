using TorchSharp;
using static TorchSharp.torch;

namespace PSRnn.Engine.Training;

/// <summary>
/// The optimizer a model keeps between training calls, so that continuing (or resuming from a
/// file) keeps Adam's moment estimates. A call with another kind or weight decay starts afresh.
/// </summary>
internal sealed class OptimizerSlot : IDisposable
{
    public OptimizerKind Kind { get; private set; }
    public double WeightDecay { get; private set; }
    public TorchSharp.Modules.OptimizerHelper? Current { get; private set; }

    /// <summary>The optimizer for these options: the kept one (with the new learning rate) or a new one.</summary>
    public TorchSharp.Modules.OptimizerHelper For(IEnumerable<TorchSharp.Modules.Parameter> parameters, TrainingOptions options)
    {
        if (Current is null || Kind != options.Optimizer || WeightDecay != options.WeightDecay)
        {
            Current?.Dispose();
            Current = options.Optimizer == OptimizerKind.Adam
                ? optim.Adam(parameters, options.LearningRate, weight_decay: options.WeightDecay)
                : optim.SGD(parameters, options.LearningRate, weight_decay: options.WeightDecay);
            Kind = options.Optimizer;
            WeightDecay = options.WeightDecay;
        }
        foreach (var group in Current.ParamGroups) group.LearningRate = options.LearningRate;
        return Current;
    }

    /// <summary>Rebuilds a saved optimizer and loads its state (e.g. Adam's moments and step count).</summary>
    public void Restore(IEnumerable<TorchSharp.Modules.Parameter> parameters, OptimizerKind kind, double learningRate, double weightDecay, BinaryReader state)
    {
        For(parameters, new TrainingOptions { Optimizer = kind, LearningRate = learningRate, WeightDecay = weightDecay });
        Current!.load_state_dict(state);
    }

    public void Dispose()
    {
        Current?.Dispose();
        Current = null;
    }
}
