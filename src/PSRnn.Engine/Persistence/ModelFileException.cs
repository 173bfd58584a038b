namespace PSRnn.Engine.Persistence;

public enum ModelFileProblem
{
    NotFound,
    AlreadyExists,
    WriteFailed,
    Invalid,
    NewerFormat,
    /// <summary>The path is a folder where a model file was expected.</summary>
    IsDirectory,
}

/// <summary>A model file could not be read or written; the message says what to do.</summary>
public sealed class ModelFileException(ModelFileProblem problem, string path, string message, Exception? inner = null)
    : IOException(message, inner)
{
    public ModelFileProblem Problem { get; } = problem;
    public string FilePath { get; } = path;
}
