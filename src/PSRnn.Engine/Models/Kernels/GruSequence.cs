using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace PSRnn.Engine.Models;

/// <summary>
/// libtorch's GRU over a whole sequence, gates stacked r, z, n:
/// r = σ(P_r + G_r), z = σ(P_z + G_z), n = tanh(P_n + r ⊙ G_n), H = n + z ⊙ (H_{t−1} − n),
/// with P the input projections of every step (X W_ihᵀ + b_ih, computed by the caller) and
/// G = b_hh + H_{t−1} R. Forward: the gates and G of every step in preallocated buffers, activations
/// in place. Backward: every pre-activation gradient is dH_t times a coefficient that depends on the
/// forward values only, so those coefficients are computed for all steps at once and the time loop
/// does one pass and one GEMM per step; the weight and bias gradients are one GEMM and one sum over
/// all steps. Float32 CPU buffers take the elementwise work between GEMMs in <see cref="FusedPasses"/>'
/// loops, sigmoid and tanh through oneMKL's vector math.
/// Few large temporaries: fresh large buffers cost page faults that rival the GEMMs at these sizes.
/// </summary>
internal sealed unsafe class GruSequence : MultiTensorFunction<GruSequence>
{
    public override string Name => nameof(GruSequence);

    public static (Tensor Outputs, Tensor Final) Run(Tensor projected, Tensor initial, Tensor weight, Tensor bias, bool outByIn)
    {
        var results = apply(projected, initial, weight, bias, outByIn);
        return (results[0], results[1]);
    }

    public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
    {
        var (projected, initial, weight, bias, outByIn) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3], (bool)vars[4]);
        long steps = projected.size(0), h = initial.size(1);
        var right = SequenceBuffers.RightFactor(weight, outByIn);
        var gates = SequenceBuffers.OwnCopy(projected);
        var states = SequenceBuffers.States(initial, steps);
        // G of every step (kept: the backward pass needs G_n). The whole-step loops add b_hh as they read G;
        // libtorch's calls find it written for all steps at once, and the step's GEMM adds to it.
        var whole = FusedPasses.ServeSteps(gates, states, bias);
        var sides = whole ? BufferPool.Shared.EmptyLike(gates) : BufferPool.Shared.EmptyLike(gates).copy_(bias);
        var (stateSteps, sideSteps) = (states.unbind(0), sides.unbind(0));
        if (whole)
        {
            var batch = initial.size(0);
            using var work = empty(batch, 4 * h, gates.dtype, gates.device);
            float* pGates = FusedPasses.Data(gates), pSides = FusedPasses.Data(sides), pStates = FusedPasses.Data(states);
            float* pBias = FusedPasses.Data(bias), pWork = FusedPasses.Data(work);
            var (rows, gateRows) = (batch * h, batch * 3 * h);
            for (var t = 0; t < steps; t++)
            {
                sideSteps[t].addmm_(stateSteps[t], right, beta: 0);
                FusedPasses.GruStep(pGates + t * gateRows, pSides + t * gateRows, pBias, pStates + t * rows, pStates + (t + 1) * rows, pWork, batch, h);
            }
        }
        else
        {
            var (sideRz, sideN) = (sides.narrow(2, 0, 2 * h).unbind(0), sides.narrow(2, 2 * h, h).unbind(0));
            var (rz, r, z, n) = (gates.narrow(2, 0, 2 * h).unbind(0), gates.narrow(2, 0, h).unbind(0), gates.narrow(2, h, h).unbind(0), gates.narrow(2, 2 * h, h).unbind(0));
            for (var t = 0; t < steps; t++)
            {
                sideSteps[t].addmm_(stateSteps[t], right);
                rz[t].add_(sideRz[t]).sigmoid_();
                n[t].addcmul_(r[t], sideN[t], 1).tanh_();
                stateSteps[t + 1].copy_(n[t]).lerp_(stateSteps[t], z[t]);
            }
        }
        ctx.save_for_backward(new List<Tensor> { gates, sides, states.detach(), weight.detach() });
        ctx.save_data("outByIn", outByIn);
        return new List<Tensor> { states.narrow(0, 1, steps), states[steps].clone() };
    }

    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> grad_outputs)
    {
        var saved = ctx.get_saved_variables();
        var (gates, sides, states, weight) = (saved[0], saved[1], saved[2], saved[3]);
        var outByIn = (bool)ctx.get_data("outByIn");
        long steps = gates.size(0), batch = gates.size(1), h = states.size(2);
        var rightT = SequenceBuffers.RightFactor(weight, outByIn, transposed: true);
        var preActivation = BufferPool.Shared.EmptyLike(gates);
        var sideGradient = BufferPool.Shared.EmptyLike(gates);
        var dh = SequenceBuffers.StepGradients(grad_outputs[0], grad_outputs[1]);
        var initialGradient = empty_like(dh[0]);
        var fused = FusedPasses.Serve(gates, sides, states, preActivation, sideGradient, dh, initialGradient);
        var (dhSteps, sideSteps) = (dh.unbind(0), sideGradient.unbind(0));
        Tensor[] zSteps = fused ? [] : gates.narrow(2, h, h).unbind(0); // views for libtorch's calls only
        float* pDh = fused ? FusedPasses.Data(dh) : null, pGates = fused ? FusedPasses.Data(gates) : null, pInitial = fused ? FusedPasses.Data(initialGradient) : null;
        float* pPre = fused ? FusedPasses.Data(preActivation) : null, pSide = fused ? FusedPasses.Data(sideGradient) : null;
        if (fused) FusedPasses.GruCoefficients(pGates, FusedPasses.Data(sides), FusedPasses.Data(states), pPre, pSide, steps * batch, h);
        else Coefficients(gates, sides.narrow(2, 2 * h, h), states.narrow(0, 0, steps), preActivation, sideGradient);

        var (rows, gateRows) = (batch * h, batch * 3 * h);
        for (var t = steps - 1; t >= 0; t--)
        {
            var into = t > 0 ? dhSteps[t - 1] : initialGradient;
            if (fused) FusedPasses.GruStepBack(pDh + t * rows, pGates + t * gateRows, pPre + t * gateRows, pSide + t * gateRows, t > 0 ? pDh + (t - 1) * rows : pInitial, t > 0, batch, h);
            else
            {
                sideSteps[t].view(batch, 3, h).mul_(dhSteps[t].unsqueeze(1));
                if (t > 0) into.addcmul_(dhSteps[t], zSteps[t], 1); else into.copy_(dhSteps[t]).mul_(zSteps[t]);
            }
            into.addmm_(sideSteps[t], rightT);
        }
        if (!fused) preActivation.view(steps, batch, 3, h).mul_(dh.unsqueeze(2));
        var flatSide = sideGradient.view(-1, 3 * h);
        var weightGradient = SequenceBuffers.WeightGradient(SequenceBuffers.Previous(states), flatSide, outByIn);
        return new List<Tensor> { preActivation, initialGradient, weightGradient, SequenceBuffers.ColumnSums(flatSide), null! };
    }

    /// <summary>
    /// d(pre-activation)/dH_t for every step, built in place (x.addcmul_(x, y, −1) is x(1 − y)): n's
    /// (1 − n²)(1 − z); r's r(1 − r) G_n times n's; z's (H_{t−1} − n) z(1 − z); and into
    /// <paramref name="side"/> (becomes dG in the time loop) the same, n's scaled by r.
    /// </summary>
    private static void Coefficients(Tensor gates, Tensor newGate, Tensor previous, Tensor preActivation, Tensor side)
    {
        var h = previous.size(2);
        var (r, z, n) = (gates.narrow(2, 0, h), gates.narrow(2, h, h), gates.narrow(2, 2 * h, h));
        var (toR, toZ, toN) = (preActivation.narrow(2, 0, h), preActivation.narrow(2, h, h), preActivation.narrow(2, 2 * h, h));
        toN.copy_(n).mul_(n).neg_().add_(1);
        toN.addcmul_(toN, z, -1);
        toR.copy_(r).addcmul_(toR, r, -1).mul_(newGate).mul_(toN);
        toZ.copy_(previous).sub_(n).mul_(z);
        toZ.addcmul_(toZ, z, -1);
        side.copy_(preActivation).narrow(2, 2 * h, h).mul_(r);
    }
}
