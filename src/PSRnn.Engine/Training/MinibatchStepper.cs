using PSRnn.Engine.Data;
using PSRnn.Engine.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSRnn.Engine.Training;

/// <summary>
/// One minibatch at a time: forward, loss, and (with an optimizer) backward, clipping and an SGD
/// step, with the hidden state re-initialised or carried (detached) according to the policy.
/// </summary>
internal sealed class MinibatchStepper : IDisposable
{
    private readonly RecurrentNetwork network;
    private readonly Parameter[] parameters;
    private readonly optim.Optimizer? optimizer;
    private readonly StateReset reset;
    private readonly double gradientClip;
    private Tensor? state;

    /// <summary>Without an optimizer the stepper only measures losses (no gradients, no updates).</summary>
    public MinibatchStepper(RecurrentNetwork network, StateReset reset, optim.Optimizer? optimizer = null, double gradientClip = 1.0)
    {
        this.network = network;
        this.reset = reset;
        this.optimizer = optimizer;
        this.gradientClip = gradientClip;
        parameters = network.parameters().ToArray();
    }

    /// <summary>Forgets the carried state: the next batch starts from zeros (start of an epoch).</summary>
    public void ResetState()
    {
        state?.Dispose();
        state = null;
    }

    /// <summary>Runs minibatch <paramref name="index"/> of <paramref name="batches"/> and returns its mean cross-entropy.</summary>
    public double Step(EpochBatches batches, int index)
    {
        using var scope = NewDisposeScope();
        using var gradients = optimizer is null ? no_grad() : null;
        var batch = batches[index];
        var initial = state is null || reset == StateReset.EveryBatch ? network.InitialState(batch.BatchSize) : state;
        // Logits and targets are both time-major.
        var (loss, final) = network.MeanLoss(batch.Inputs, initial, batch.Targets.reshape(-1));
        // One host sync per batch, before any update: a diverged loss must not reach the weights.
        var value = loss.ToDouble();
        if (Divergence.IsDiverged(value, network.Spec.VocabularySize))
            throw new TrainingDivergedException(value, Divergence.LossLimit(network.Spec.VocabularySize));
        if (optimizer is not null)
        {
            GradientStep.ForgetGradients(parameters);
            loss.backward();
            GradientStep.Apply(parameters, optimizer, gradientClip);
        }
        // Carry the state out of this batch's scope, cut from its graph. The one it replaces was made
        // outside this scope (by the previous batch), so the scope would not free it.
        state?.Dispose();
        state = final.detach().MoveToOuterDisposeScope();
        return value;
    }

    public void Dispose() => ResetState();
}
