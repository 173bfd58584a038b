<#
.SYNOPSIS
    Writes a synthetic word-level corpus (train.txt, valid.txt, test.txt) with a Zipf-distributed
    vocabulary, for benchmarks and tests of large vocabularies.
.DESCRIPTION
    Word ranks follow Zipf's law, p(r) ~ 1 / r^Exponent, over -Vocabulary pseudo-words made of
    syllables (so character-level models can read them too). The text is not independent draws: with
    probability 0.6 a word is one of eight fixed followers of the word before it (picked by another
    Zipf law), so a recurrent model has something to learn beyond word frequencies. Lines hold 5 to
    30 words, as sentences do. The same -Seed writes the same files.
.EXAMPLE
    ./bench/New-ZipfCorpus.ps1 -Path ./zipf -Tokens 2000000 -Vocabulary 33000
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Path,
    [int] $Tokens = 2000000,
    [int] $Vocabulary = 33000,
    [double] $Exponent = 1.0,
    [int] $Seed = 1
)
$ErrorActionPreference = 'Stop'

if (-not ('PSRnnBench.ZipfText' -as [type])) {
    Add-Type -TypeDefinition @'
namespace PSRnnBench
{
    using System;
    using System.IO;
    using System.Text;

    public static class ZipfText
    {
        static readonly string[] Syllables = { "ka", "to", "ri", "ne", "so", "mu", "la", "pe", "di", "go", "sa", "vi", "ro", "te", "ma", "lu", "ki", "no", "be", "ha" };

        static string Word(int rank)
        {
            var word = new StringBuilder();
            var n = rank;
            do { word.Append(Syllables[n % Syllables.Length]); n /= Syllables.Length; } while (n > 0);
            return word.ToString();
        }

        static double[] Cumulative(int count, double exponent)
        {
            var cumulative = new double[count];
            double total = 0;
            for (var r = 0; r < count; r++) cumulative[r] = total += 1 / Math.Pow(r + 1, exponent);
            for (var r = 0; r < count; r++) cumulative[r] /= total;
            return cumulative;
        }

        static int Draw(double[] cumulative, Random random)
        {
            var i = Array.BinarySearch(cumulative, random.NextDouble());
            return Math.Min(i < 0 ? ~i : i, cumulative.Length - 1);
        }

        public static void Write(string path, long tokens, int vocabulary, double exponent, Random random)
        {
            var words = new string[vocabulary];
            for (var r = 0; r < vocabulary; r++) words[r] = Word(r);
            var ranks = Cumulative(vocabulary, exponent);
            var followers = Cumulative(8, 1.0);
            using (var writer = new StreamWriter(path, false, new UTF8Encoding(false)))
            {
                var previous = 0;
                long written = 0;
                while (written < tokens)
                {
                    var length = (int)Math.Min(random.Next(5, 31), tokens - written);
                    for (var k = 0; k < length; k++)
                    {
                        // A word's followers are fixed: a hash of (word, j) onto the vocabulary, biased to frequent words.
                        var rank = random.NextDouble() < 0.6
                            ? (int)((previous * 2654435761L + Draw(followers, random) * 40503L) % vocabulary) % Math.Max(1, vocabulary / 4)
                            : Draw(ranks, random);
                        if (k > 0) writer.Write(' ');
                        writer.Write(words[rank]);
                        previous = rank;
                    }
                    writer.Write('\n');
                    written += length;
                }
            }
        }
    }
}
'@
}

New-Item -ItemType Directory -Force $Path | Out-Null
$random = [Random]::new($Seed)
foreach ($split in @{ Name = 'train'; Tokens = $Tokens }, @{ Name = 'valid'; Tokens = [math]::Max(1000, $Tokens / 20) }, @{ Name = 'test'; Tokens = [math]::Max(1000, $Tokens / 20) }) {
    $file = Join-Path $Path "$($split.Name).txt"
    [PSRnnBench.ZipfText]::Write($file, [long]$split.Tokens, $Vocabulary, $Exponent, $random)
    Get-Item $file
}
