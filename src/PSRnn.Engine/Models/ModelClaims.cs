namespace PSRnn.Engine.Models;

/// <summary>
/// Who may use a model now. An operation (an epoch, an evaluation, an export) holds it alone; a
/// training run holds it across its epochs for other threads only, so the run's own thread (the
/// runspace whose pipeline consumes its epoch records) can predict, measure or export between them.
/// A model disposed while held is freed when the last holder lets go.
/// </summary>
internal sealed class ModelClaims(Action free)
{
    private readonly object gate = new();
    private string? operation;
    private int operationThread;
    private Func<string>? run;
    private int runThread;
    private bool disposeRequested, freed;

    public bool IsDisposed
    {
        get { lock (gate) return disposeRequested || freed; }
    }

    /// <summary>
    /// Holds the model alone for <paramref name="what"/> ("export", "epoch 3 of training"). Without
    /// <paramref name="betweenEpochs"/>, also refuses the training run's own thread: work that replaces the
    /// weights must not slip in between a run's epochs.
    /// </summary>
    public IDisposable Operation(string what, bool betweenEpochs = true)
    {
        lock (gate)
        {
            var thread = Environment.CurrentManagedThreadId;
            ThrowIfDisposed(what);
            if (operation is not null)
                throw thread == operationThread
                    ? new ModelBusyException($"The model is in the middle of {operation}, so {what} cannot start inside it.")
                    : ModelBusyException.OtherRunspace(operation, what);
            if (run is not null && runThread != thread) throw ModelBusyException.OtherRunspace($"training ({run()})", what);
            if (run is not null && !betweenEpochs)
                throw new ModelBusyException(
                    $"The model is being trained by an Invoke-RnnTraining earlier in this pipeline ({run()}), so {what} cannot replace its weights " +
                    "between epochs. Run it once that pipeline ends.");
            (operation, operationThread) = (what, thread);
        }
        return new Release(this, run: false);
    }

    /// <summary>Holds the model for a training run; <paramref name="progress"/> says how far it is ("after epoch 3 of 10").</summary>
    public IDisposable TrainingRun(Func<string> progress)
    {
        lock (gate)
        {
            var thread = Environment.CurrentManagedThreadId;
            ThrowIfDisposed("training");
            if (run is not null)
                throw thread == runThread
                    ? new ModelBusyException(
                        $"The model is already being trained by an Invoke-RnnTraining earlier in this pipeline ({run()}), so it cannot be trained " +
                        "again from inside that pipeline: the two runs would interleave their epochs. Train it once that pipeline ends, or train another " +
                        "model (New-RnnModel, or Import-RnnModel of a checkpoint) inside it.")
                    : ModelBusyException.OtherRunspace($"training ({run()})", "training");
            if (operation is not null && operationThread != thread) throw ModelBusyException.OtherRunspace(operation, "training");
            (run, runThread) = (progress, thread);
        }
        return new Release(this, run: true);
    }

    /// <summary>Frees the model now, or when its current holders let go.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            disposeRequested = true;
            if (operation is not null || run is not null) return;
        }
        FreeOnce();
    }

    private void ThrowIfDisposed(string what)
    {
        if (disposeRequested || freed) throw new ModelDisposedException(what);
    }

    private void FreeOnce()
    {
        lock (gate)
        {
            if (freed) return;
            freed = true;
        }
        free();
    }

    private void Leave(bool wasRun)
    {
        bool freeNow;
        lock (gate)
        {
            if (wasRun) run = null;
            else operation = null;
            freeNow = disposeRequested && operation is null && run is null;
        }
        if (freeNow) FreeOnce();
    }

    private sealed class Release(ModelClaims claims, bool run) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0) claims.Leave(run);
        }
    }
}

public sealed class ModelBusyException(string message) : InvalidOperationException(message)
{
    internal static ModelBusyException OtherRunspace(string holder, string what) =>
        new($"The model is in use by {holder} in another runspace, so {what} cannot start now. A model serves one runspace at a time: " +
            "give each parallel trial its own model (New-RnnModel or Import-RnnModel inside the script block), or wait for that run to finish.");
}

public sealed class ModelDisposedException(string what)
    : InvalidOperationException(
        $"This model was disposed (its Dispose() method was called), so {what} cannot use it. " +
        "Create a new model with New-RnnModel, or load a saved one with Import-RnnModel.");
