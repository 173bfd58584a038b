using PSRnn.Engine.Text;
using Xunit;

namespace PSRnn.Tests;

public class TextTests
{
    [Theory]
    [InlineData("The Time Machine, by H. G. Wells [1898]", "the time machine by h g wells")]
    [InlineData("  --  ", "")]
    [InlineData("I\tdon't know", "i don t know")]
    [InlineData("Ünïcode café", "n code caf")]
    public void D2lPreprocessingKeepsLowercaseLettersAndSingleSpaces(string line, string expected) =>
        Assert.Equal(expected, TextPreprocessor.D2lLine(line));

    [Fact]
    public void LinesAreJoinedWithoutASeparator() =>
        Assert.Equal("ab cdef", TextPreprocessor.Apply(new[] { "Ab, c", "", "DEF" }, Preprocessing.D2l));

    [Fact]
    public void VocabularyPutsUnknownFirstThenFrequencyThenOrdinalOrder()
    {
        var vocabulary = Vocabulary.Build(Tokenizer.Tokenize("bbb aa cc d"));
        Assert.Equal(new[] { "<unk>", " ", "b", "a", "c", "d" }, vocabulary.Tokens);
        Assert.Equal(2, vocabulary.IndexOf("b"));
        Assert.Equal(Vocabulary.UnknownIndex, vocabulary.IndexOf("z"));
    }

    [Fact]
    public void MinFrequencyDropsRareTokensToUnknown()
    {
        var vocabulary = Vocabulary.Build(Tokenizer.Tokenize("aaab"), minFrequency: 2);
        Assert.Equal(new[] { "<unk>", "a" }, vocabulary.Tokens);
    }

    [Fact]
    public void CharactersOutsideTheBmpAreOneToken() =>
        Assert.Equal(new[] { "a", "😀", "b" }, Tokenizer.Tokenize("a😀b"));

    [Fact]
    public void MaxTokensKeepsTheFirstTokens()
    {
        var options = new TextOptions();
        var vocabulary = Vocabulary.Build(options.Tokenize(new[] { "abcabc" }));
        Assert.Equal(vocabulary.Encode(new[] { "a", "b", "c", "a" }), vocabulary.Encode(options.Tokenize(new[] { "abcabc" }, maxTokens: 4)));
    }

    [Fact]
    public void WordTokensComeFromEveryLineAndJoinWithSpaces()
    {
        var options = new TextOptions(Preprocessing.D2l, Tokenization.Word);
        var tokens = options.Tokenize(new[] { "The Time-Machine,", "by H. G. Wells" });
        Assert.Equal(new[] { "the", "time", "machine", "by", "h", "g", "wells" }, tokens);
        Assert.Equal("the time machine", options.Join(tokens.Take(3)));
    }

    [Fact]
    public void PreprocessingNoneKeepsCasePunctuationLineBreaksAndAnyUnicode()
    {
        var options = new TextOptions(Preprocessing.None);
        var tokens = options.Tokenize(new[] { "Ça va?", "𝄞!" });
        Assert.Equal(new[] { "Ç", "a", " ", "v", "a", "?", "\n", "𝄞", "!" }, tokens);
        Assert.Equal("Ça va?\n𝄞!", options.Join(tokens));
    }

    [Fact]
    public void TheVocabularyHonoursMinFrequencyFromTheTextOptions()
    {
        var options = new TextOptions(Preprocessing.D2l, Tokenization.Word, MinFrequency: 2);
        var vocabulary = options.BuildVocabulary(new[] { "the cat the dog the cat" });
        Assert.Equal(new[] { "<unk>", "the", "cat" }, vocabulary.Tokens);
        Assert.Equal(new long[] { 1, 2, 0 }, vocabulary.Encode(options.Tokenize(new[] { "the cat bird" })));
    }

    [TimeMachineFact]
    public void TheTimeMachineGivesD2lsCorpusAndVocabulary()
    {
        var path = TestData.TimeMachinePath()!;
        var tokens = new TextOptions().Tokenize(File.ReadLines(path));
        var vocabulary = Vocabulary.Build(tokens);
        Assert.Equal(170_580, tokens.Count);
        Assert.Equal(28, vocabulary.Count);
        Assert.Equal(new[] { "<unk>", " ", "e", "t", "a", "i", "n", "o", "s", "h" }, vocabulary.Tokens.Take(10));
    }

    [Fact]
    public void LineEndFollowsEveryLineBlankOnesToo_AsPytorchExamplesReadsWikiText()
    {
        var options = new TextOptions(Preprocessing.None, Tokenization.Word, LineEnd: "<eos>");
        var tokens = options.Tokenize(new[] { " = Valkyria = ", "", "the <unk> ran ,  fast" });
        Assert.Equal(new[] { "=", "Valkyria", "=", "<eos>", "<eos>", "the", "<unk>", "ran", ",", "fast", "<eos>" }, tokens);
        // The corpus's own <unk> is the vocabulary's: index 0, counted once.
        var vocabulary = Vocabulary.Build(tokens);
        Assert.Equal(1, vocabulary.Tokens.Count(t => t == Vocabulary.Unknown));
        Assert.Equal(Vocabulary.UnknownIndex, vocabulary.IndexOf("<unk>"));
        Assert.Equal("<eos>", vocabulary[1]);   // the most frequent token
    }

    [Fact]
    public void LineEndIsOneTokenAfterD2lCharacters_AndMaxTokensStopsEarly()
    {
        var options = new TextOptions(LineEnd: "<eos>");
        Assert.Equal(new[] { "a", " ", "b", "<eos>", "c", "<eos>" }, options.Tokenize(new[] { "A, b!", "c" }));
        Assert.Equal(new[] { "a", " ", "b" }, options.Tokenize(new[] { "A, b!", "c" }, maxTokens: 3));
        // A prompt continues its last line: no line end after it.
        Assert.Equal(new[] { "a", "<eos>", "c" }, options.Tokenize(new[] { "A", "c" }, endLastLine: false));
    }

    [Theory]
    [InlineData("")]
    [InlineData("end of line")]
    [InlineData("<unk>")]
    public void ALineEndThatCannotBeOneDistinctTokenIsRefused(string lineEnd)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new TextOptions(LineEnd: lineEnd).Validate());
        Assert.Equal("LineEnd", e.ParamName);
    }
}
