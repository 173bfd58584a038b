using System.Management.Automation;
using System.Runtime.InteropServices;
using PSRnn.Engine.Evaluation;
using PSRnn.Engine.IO;
using PSRnn.Engine.Models;
using PSRnn.Engine.Native;
using PSRnn.Engine.Persistence;
using PSRnn.Engine.Resources;
using PSRnn.Engine.Text;
using PSRnn.Engine.Training;

namespace PSRnn;

/// <summary>Maps engine exceptions to error records with stable ErrorIds ("PSRnn.*"): the one place that does.</summary>
internal static class ErrorFactory
{
    public static ErrorRecord Create(string id, ErrorCategory category, string message, object? target = null, Exception? inner = null) =>
        new(new PSRnnException(message, inner), "PSRnn." + id, category, target);

    public static ErrorRecord? TryTranslate(Exception e, object? target) => e switch
    {
        TextRejectedException text => Create(text.Problem.ToString(), ErrorCategory.InvalidData, e.Message, target, e),
        CorpusTooShortException => Create("CorpusTooShort", ErrorCategory.InvalidData, e.Message, target, e),
        ParameterConflictException => Create("ParameterConflict", ErrorCategory.InvalidArgument, e.Message, target, e),
        ValidationRequiredException => Create("ValidationRequired", ErrorCategory.InvalidArgument, e.Message, target, e),
        InvalidVocabularyException => Create("InvalidVocabulary", ErrorCategory.InvalidArgument, e.Message, target, e),
        InitialStateException => Create("InvalidInitialState", ErrorCategory.InvalidArgument, e.Message, target, e),
        ArgumentOutOfRangeException range => Create("InvalidHyperparameter", ErrorCategory.InvalidArgument,
            $"{range.ParamName} is {range.ActualValue}: {FirstSentence(range.Message)}", target, e),
        TrainingDivergedException => Create("TrainingDiverged", ErrorCategory.InvalidResult, e.Message, target, e),
        NonFiniteOutputException => Create("NonFiniteOutput", ErrorCategory.InvalidResult, e.Message, target, e),
        StateDictMismatchException => Create("StateDictMismatch", ErrorCategory.InvalidData, e.Message, target, e),
        NoTorchEquivalentException => Create("NoPyTorchEquivalent", ErrorCategory.InvalidOperation, e.Message, target, e),
        ModelBusyException => Create("ModelBusy", ErrorCategory.ResourceBusy, e.Message, target, e),
        ModelDisposedException => Create("ModelDisposed", ErrorCategory.InvalidOperation, e.Message, target, e),
        MemoryLimitException => Create("InsufficientMemory", ErrorCategory.ResourceUnavailable, e.Message, target, e),
        // The allocator's own refusals, where no estimate stood in front of it.
        OutOfMemoryException or ExternalException when IsAllocationFailure(e) => Create("InsufficientMemory", ErrorCategory.ResourceUnavailable,
            $"There was not enough memory for this work ({FirstSentence(e.Message)}). Use a smaller model, batch or text.", target, e),
        DeviceUnavailableException => Create("CudaUnavailable", ErrorCategory.ResourceUnavailable, e.Message, target, e),
        // Anything else libtorch refuses: still an error record, never a raw native exception.
        ExternalException => Create("EngineFailed", ErrorCategory.InvalidResult,
            $"libtorch could not do this work: {FirstSentence(e.Message)}. If the input was valid, this is a PSRnn defect: please report it with the command that caused it.", target, e),
        CorpusException corpus => Create(corpus.Kind.ToString(), corpus.Kind switch
        {
            CorpusErrorKind.ChecksumMismatch => ErrorCategory.InvalidData,
            CorpusErrorKind.NotFound => ErrorCategory.ObjectNotFound,
            _ => ErrorCategory.ConnectionError,
        }, e.Message, target, e),
        FileException file => Create(FileErrorId(file.Problem), FileCategory(file), e.Message, target ?? file.FilePath, e),
        NativeLoadException => Create("NativeLoadFailed", ErrorCategory.ResourceUnavailable, e.Message, target, e),
        _ => null,
    };

    private static string FileErrorId(FileProblem problem) => problem switch
    {
        FileProblem.NotFound => "FileNotFound",
        FileProblem.AlreadyExists => "FileExists",
        FileProblem.IsDirectory => "PathIsDirectory",
        FileProblem.NotRegularFile => "NotRegularFile",
        FileProblem.InUse => "FileInUse",
        FileProblem.ReadFailed => "ReadFailed",
        FileProblem.WriteFailed => "WriteFailed",
        FileProblem.InvalidText => "InvalidTextFile",
        FileProblem.NewerFormat => "UnsupportedModelVersion",
        FileProblem.InvalidStateDict => "InvalidStateDictFile",
        FileProblem.InvalidPath => "InvalidPath",
        _ => "InvalidModelFile",
    };

    private static ErrorCategory FileCategory(FileException file) => file.PermissionDenied ? ErrorCategory.PermissionDenied : file.Problem switch
    {
        FileProblem.NotFound => ErrorCategory.ObjectNotFound,
        FileProblem.AlreadyExists => ErrorCategory.ResourceExists,
        FileProblem.IsDirectory or FileProblem.NotRegularFile or FileProblem.InvalidPath => ErrorCategory.InvalidArgument,
        FileProblem.InUse => ErrorCategory.ResourceBusy,
        FileProblem.ReadFailed => ErrorCategory.ReadError,
        FileProblem.WriteFailed => ErrorCategory.WriteError,
        _ => ErrorCategory.InvalidData,
    };

    private static bool IsAllocationFailure(Exception e) =>
        e is OutOfMemoryException || e.Message.Contains("allocate", StringComparison.OrdinalIgnoreCase)
                                  || e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase);

    // ArgumentOutOfRangeException appends "(Parameter ...) Actual value was ..." lines; keep the sentence.
    private static string FirstSentence(string message) => message.Split('\n')[0].Split(" (Parameter")[0].Trim();
}

/// <summary>The exception behind every PSRnn error record.</summary>
public sealed class PSRnnException(string message, Exception? inner = null) : Exception(message, inner);
