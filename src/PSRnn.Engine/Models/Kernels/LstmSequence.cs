using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace PSRnn.Engine.Models;

/// <summary>
/// The LSTM over a whole sequence: A = P_t + H_{t−1} R, I, F, O = σ(A_i, A_f, A_o), G = tanh(A_g),
/// C_t = F ⊙ C_{t−1} + I ⊙ G, H_t = O ⊙ tanh(C_t), with P the input projections of every step (biases
/// included). Gates stack i, f, o, g as d2l's W_h* do, or i, f, g, o as libtorch's weight_hh does.
/// Backward: each pre-activation gradient is dH_t or dC_t times a coefficient of the forward values,
/// computed for all steps at once; per step only dC_t, the four gate gradients and dH_{t−1} += dA_t Rᵀ;
/// the weight gradient is one GEMM over all steps. Float32 CPU buffers take the elementwise work between
/// GEMMs in <see cref="FusedPasses"/>' loops, sigmoid and tanh through oneMKL's vector math.
/// </summary>
internal sealed unsafe class LstmSequence : MultiTensorFunction<LstmSequence>
{
    public override string Name => nameof(LstmSequence);

    /// <summary>Outputs of every step [steps, batch, hidden] and the final h and c [batch, hidden].</summary>
    public static (Tensor Outputs, Tensor FinalHidden, Tensor FinalCell) Run(Tensor projected, Tensor hidden, Tensor cell, Tensor weight, bool outByIn, bool libTorchOrder)
    {
        var results = apply(projected, hidden, cell, weight, outByIn, libTorchOrder);
        return (results[0], results[1], results[2]);
    }

    /// <summary>Offsets of the i, f, o and g blocks along the gate dimension.</summary>
    private static FusedPasses.LstmGates Offsets(long h, bool libTorchOrder) =>
        libTorchOrder ? new(0, h, 3 * h, 2 * h) : new(0, h, 2 * h, 3 * h);

    public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
    {
        var (projected, hidden, cell, weight) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3]);
        var (outByIn, libTorchOrder) = ((bool)vars[4], (bool)vars[5]);
        long steps = projected.size(0), h = hidden.size(1);
        var at = Offsets(h, libTorchOrder);
        var right = SequenceBuffers.RightFactor(weight, outByIn);
        var gates = SequenceBuffers.OwnCopy(projected);
        var (states, cells) = (SequenceBuffers.States(hidden, steps), SequenceBuffers.States(cell, steps));
        var cellTanh = BufferPool.Shared.EmptyLike(states.narrow(0, 1, steps));
        var (gateSteps, stateSteps) = (gates.unbind(0), states.unbind(0));
        if (FusedPasses.ServeSteps(gates, states, cells, cellTanh))
        {
            var (batch, rows) = (hidden.size(0), hidden.size(0) * h);
            using var work = empty(batch, 4 * h, gates.dtype, gates.device);
            float* pGates = FusedPasses.Data(gates), pStates = FusedPasses.Data(states), pWork = FusedPasses.Data(work);
            float* pCells = FusedPasses.Data(cells), pTanh = FusedPasses.Data(cellTanh);
            for (var t = 0; t < steps; t++)
            {
                gateSteps[t].addmm_(stateSteps[t], right);
                FusedPasses.LstmStep(pGates + t * 4 * rows, at, pCells + t * rows, pCells + (t + 1) * rows, pTanh + t * rows, pStates + (t + 1) * rows, pWork, batch, h);
            }
        }
        else
        {
            Tensor[] Block(long offset, long width) => gates.narrow(2, offset, width).unbind(0);
            // The sigmoid gates: one block (i, f, o) in d2l's order, two (i, f and o) in libtorch's.
            var sigmoidBlocks = libTorchOrder ? new[] { Block(0, 2 * h), Block(3 * h, h) } : new[] { Block(0, 3 * h) };
            var (i, f, o, g) = (Block(at.I, h), Block(at.F, h), Block(at.O, h), Block(at.G, h));
            var (cellSteps, tanhSteps) = (cells.unbind(0), cellTanh.unbind(0));
            for (var t = 0; t < steps; t++)
            {
                gateSteps[t].addmm_(stateSteps[t], right);
                foreach (var block in sigmoidBlocks) block[t].sigmoid_();
                g[t].tanh_();
                tanhSteps[t].copy_(cellSteps[t + 1].copy_(cellSteps[t]).mul_(f[t]).addcmul_(i[t], g[t], 1)).tanh_();
                stateSteps[t + 1].copy_(tanhSteps[t]).mul_(o[t]);
            }
        }
        ctx.save_for_backward(new List<Tensor> { gates, cells, cellTanh, states.detach(), weight.detach() });
        ctx.save_data("outByIn", outByIn);
        ctx.save_data("libTorchOrder", libTorchOrder);
        return new List<Tensor> { states.narrow(0, 1, steps), states[steps].clone(), cells[steps].clone() };
    }

    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> grad_outputs)
    {
        var saved = ctx.get_saved_variables();
        var (gates, cells, cellTanh, states, weight) = (saved[0], saved[1], saved[2], saved[3], saved[4]);
        var (outByIn, libTorchOrder) = ((bool)ctx.get_data("outByIn"), (bool)ctx.get_data("libTorchOrder"));
        long steps = gates.size(0), batch = gates.size(1), h = states.size(2);
        var at = Offsets(h, libTorchOrder);
        var rightT = SequenceBuffers.RightFactor(weight, outByIn, transposed: true);
        var preActivation = BufferPool.Shared.EmptyLike(gates);
        var hiddenToCell = BufferPool.Shared.EmptyLike(cellTanh);
        var dh = SequenceBuffers.StepGradients(grad_outputs[0], grad_outputs[1]);
        var dc = SequenceBuffers.OwnCopy(grad_outputs[2]);
        var fused = FusedPasses.Serve(gates, cells, cellTanh, preActivation, hiddenToCell, dh, dc);
        float* pGates = fused ? FusedPasses.Data(gates) : null, pPre = fused ? FusedPasses.Data(preActivation) : null;
        float* pToCell = fused ? FusedPasses.Data(hiddenToCell) : null, pDh = fused ? FusedPasses.Data(dh) : null;
        float* pDc = fused ? FusedPasses.Data(dc) : null;
        var rows = batch * h;
        if (fused) FusedPasses.LstmCoefficients(pGates, at, FusedPasses.Data(cells), FusedPasses.Data(cellTanh), pPre, pToCell, steps * batch, h);
        else Coefficients(gates, at, cells.narrow(0, 0, steps), cellTanh, preActivation, hiddenToCell);

        var (dhSteps, fSteps, dSteps) = (dh.unbind(0), gates.narrow(2, at.F, h).unbind(0), preActivation.unbind(0));
        // Views for libtorch's calls only.
        Tensor[] Slots(long offset) => fused ? [] : preActivation.narrow(2, offset, h).unbind(0);
        var (dI, dF, dO, dG, toCellSteps) = (Slots(at.I), Slots(at.F), Slots(at.O), Slots(at.G), fused ? [] : hiddenToCell.unbind(0));
        for (var t = steps - 1; t >= 0; t--)
        {
            if (fused) FusedPasses.LstmStepBack(pDh + t * rows, pDc, t < steps - 1 ? pGates + (t + 1) * 4 * rows : null, at, pToCell + t * rows, pPre + t * 4 * rows, batch, h);
            else
            {
                if (t < steps - 1) dc.mul_(fSteps[t + 1]);
                dc.addcmul_(dhSteps[t], toCellSteps[t], 1);
                dI[t].mul_(dc);
                dF[t].mul_(dc);
                dG[t].mul_(dc);
                dO[t].mul_(dhSteps[t]);
            }
            if (t > 0) dhSteps[t - 1].addmm_(dSteps[t], rightT);
        }
        var initialHidden = dSteps[0].mm(rightT);
        var initialCell = dc.mul_(fSteps[0]);
        var weightGradient = SequenceBuffers.WeightGradient(SequenceBuffers.Previous(states), preActivation.view(-1, 4 * h), outByIn);
        return new List<Tensor> { preActivation, initialHidden, initialCell, weightGradient, null!, null! };
    }

    /// <summary>
    /// The backward coefficients in place in the gradient buffer (x.addcmul_(x, y, −1) is x(1 − y)):
    /// dA_i = dC I(1 − I) G, dA_f = dC F(1 − F) C_{t−1}, dA_g = dC I (1 − G²), dA_o = dH O(1 − O) tanh C;
    /// and dC_t gets dH O (1 − tanh² C) on top of what flows back from step t + 1.
    /// </summary>
    private static void Coefficients(Tensor gates, FusedPasses.LstmGates at, Tensor previousCells, Tensor cellTanh, Tensor preActivation, Tensor hiddenToCell)
    {
        var h = cellTanh.size(2);
        var (i, f, o, g) = (gates.narrow(2, at.I, h), gates.narrow(2, at.F, h), gates.narrow(2, at.O, h), gates.narrow(2, at.G, h));
        Tensor Slot(long offset) => preActivation.narrow(2, offset, h);
        var (toI, toF, toO, toG) = (Slot(at.I), Slot(at.F), Slot(at.O), Slot(at.G));
        toI.copy_(i).addcmul_(toI, i, -1).mul_(g);
        toF.copy_(f).addcmul_(toF, f, -1).mul_(previousCells);
        toO.copy_(o).addcmul_(toO, o, -1).mul_(cellTanh);
        toG.copy_(g).mul_(g).neg_().add_(1).mul_(i);
        hiddenToCell.copy_(cellTanh).mul_(cellTanh).neg_().add_(1).mul_(o);
    }
}
