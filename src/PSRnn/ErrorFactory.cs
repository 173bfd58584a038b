using System.Management.Automation;
using PSRnn.Engine.IO;
using PSRnn.Engine.Models;
using PSRnn.Engine.Native;
using PSRnn.Engine.Persistence;
using PSRnn.Engine.Text;
using PSRnn.Engine.Training;

namespace PSRnn;

/// <summary>Maps engine exceptions to error records with stable ErrorIds ("PSRnn.*").</summary>
internal static class ErrorFactory
{
    public static ErrorRecord Create(string id, ErrorCategory category, string message, object? target = null, Exception? inner = null) =>
        new(new PSRnnException(message, inner), "PSRnn." + id, category, target);

    public static ErrorRecord? TryTranslate(Exception e, object? target) => e switch
    {
        TextRejectedException text => Create(text.Problem.ToString(), ErrorCategory.InvalidData, e.Message, target, e),
        CorpusTooShortException => Create("CorpusTooShort", ErrorCategory.InvalidData, e.Message, target, e),
        ArgumentOutOfRangeException range => Create("InvalidHyperparameter", ErrorCategory.InvalidArgument,
            $"{range.ParamName} is {range.ActualValue}: {FirstSentence(range.Message)}", target, e),
        TrainingDivergedException => Create("TrainingDiverged", ErrorCategory.InvalidResult, e.Message, target, e),
        ModelBusyException => Create("ModelBusy", ErrorCategory.ResourceBusy, e.Message, target, e),
        CorpusException corpus => Create(corpus.Kind.ToString(), corpus.Kind switch
        {
            CorpusErrorKind.ChecksumMismatch => ErrorCategory.InvalidData,
            CorpusErrorKind.NotFound => ErrorCategory.ObjectNotFound,
            _ => ErrorCategory.ConnectionError,
        }, e.Message, target, e),
        ModelFileException file => Create(file.Problem switch
        {
            ModelFileProblem.NotFound => "FileNotFound",
            ModelFileProblem.AlreadyExists => "FileExists",
            ModelFileProblem.WriteFailed => "WriteFailed",
            ModelFileProblem.NewerFormat => "UnsupportedModelVersion",
            ModelFileProblem.IsDirectory => "PathIsDirectory",
            _ => "InvalidModelFile",
        }, file.Problem switch
        {
            ModelFileProblem.NotFound => ErrorCategory.ObjectNotFound,
            ModelFileProblem.AlreadyExists => ErrorCategory.ResourceExists,
            ModelFileProblem.WriteFailed => file.InnerException is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError,
            ModelFileProblem.IsDirectory => ErrorCategory.InvalidArgument,
            _ => ErrorCategory.InvalidData,
        }, e.Message, target ?? file.FilePath, e),
        AtomicWriteException write => Create("WriteFailed",
            write.InnerException is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError,
            $"Could not write the file: {write.Message} Check that the folder is writable and has free space, or choose another path.", target, e),
        NativeLoadException => Create("NativeLoadFailed", ErrorCategory.ResourceUnavailable, e.Message, target, e),
        _ => null,
    };

    // ArgumentOutOfRangeException appends "(Parameter ...) Actual value was ..." lines; keep the sentence.
    private static string FirstSentence(string message) => message.Split('\n')[0].Split(" (Parameter")[0].Trim();
}

/// <summary>The exception behind every PSRnn error record.</summary>
public sealed class PSRnnException(string message, Exception? inner = null) : Exception(message, inner);
