using PSRnn.Engine.Native;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace PSRnn.Engine.Models;

/// <summary>
/// H_t = tanh(P_t + H_{t−1} R) over a whole sequence, with P the input projections of every step
/// (X W_x + biases, computed by the caller in one lookup or GEMM). The forward pass writes every step
/// into one preallocated buffer in place; the backward pass runs through time doing only
/// dZ_t = dH_t ⊙ (1 − H_t²) and dH_{t−1} += dZ_t Rᵀ per step, then the weight gradient as one GEMM
/// over all steps, the way oneDNN and cuDNN organise it (libtorch's autograd would add one GEMM per step).
/// </summary>
internal sealed unsafe class TanhRnnSequence : MultiTensorFunction<TanhRnnSequence>
{
    public override string Name => nameof(TanhRnnSequence);

    /// <summary>Outputs of every step [steps, batch, hidden] and the final state [batch, hidden].</summary>
    public static (Tensor Outputs, Tensor Final) Run(Tensor projected, Tensor initial, Tensor weight, bool outByIn)
    {
        var results = apply(projected, initial, weight, outByIn);
        return (results[0], results[1]);
    }

    public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
    {
        var (projected, initial, weight, outByIn) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (bool)vars[3]);
        var steps = projected.size(0);
        var right = SequenceBuffers.RightFactor(weight, outByIn);
        var states = SequenceBuffers.States(initial, steps);
        var outputs = states.narrow(0, 1, steps);
        outputs.copy_(projected);
        var stateSteps = states.unbind(0);
        // Float32 on the CPU: oneMKL's tanh on each step's contiguous state, without a libtorch call.
        var whole = FusedPasses.ServeSteps(states);
        float* pStates = whole ? FusedPasses.Data(states) : null;
        var rows = initial.size(0) * initial.size(1);
        for (var t = 0; t < steps; t++)
        {
            stateSteps[t + 1].addmm_(stateSteps[t], right);
            if (whole) MklVectorMath.Tanh(pStates + (t + 1) * rows, pStates + (t + 1) * rows, rows);
            else stateSteps[t + 1].tanh_();
        }
        // Detached aliases: saving the outputs themselves would make the node hold its own outputs' history.
        ctx.save_for_backward(new List<Tensor> { states.detach(), weight.detach() });
        ctx.save_data("outByIn", outByIn);
        return new List<Tensor> { outputs, states[steps].clone() };
    }

    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> grad_outputs)
    {
        var saved = ctx.get_saved_variables();
        var (states, weight, outByIn) = (saved[0], saved[1], (bool)ctx.get_data("outByIn"));
        var steps = states.size(0) - 1;
        var rightT = SequenceBuffers.RightFactor(weight, outByIn, transposed: true);
        // Becomes dZ in place, step by step from the last: float32 CPU buffers in one pass a step (1 − H²
        // on the fly), others with 1 − H² for all steps in one pass first.
        var dz = SequenceBuffers.StepGradients(grad_outputs[0], grad_outputs[1]);
        var outputs = states.narrow(0, 1, steps);
        var fused = FusedPasses.Serve(dz, states);
        float* pDz = fused ? FusedPasses.Data(dz) : null, pStates = fused ? FusedPasses.Data(states) : null;
        var rows = dz.size(1) * dz.size(2);
        var slope = fused ? null : BufferPool.Shared.EmptyLike(outputs).fill_(1).addcmul_(outputs, outputs, -1).unbind(0);
        var dzSteps = dz.unbind(0);
        for (var t = steps - 1; t >= 0; t--)
        {
            if (fused) FusedPasses.TanhRnnStepBack(pDz + t * rows, pStates + (t + 1) * rows, rows);
            else dzSteps[t].mul_(slope![t]);
            if (t > 0) dzSteps[t - 1].addmm_(dzSteps[t], rightT);
        }
        var initialGradient = dzSteps[0].mm(rightT);
        var weightGradient = SequenceBuffers.WeightGradient(SequenceBuffers.Previous(states), dz.view(-1, dz.size(2)), outByIn);
        return new List<Tensor> { dz, initialGradient, weightGradient, null! };
    }
}
