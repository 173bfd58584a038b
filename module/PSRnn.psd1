@{
    RootModule           = 'PSRnn.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b7f3c1e-2a8d-4e61-9f0b-7c4d2e9a1b36'
    Author               = 'The PSRnn team'
    CompanyName          = 'The PSRnn team'
    Copyright            = '(c) 2026 The PSRnn team. Released under the MIT License (LICENSE in the module folder).'
    Description          = 'Recurrent-network language-model experiments from the shell, after the RNN chapter of Dive into Deep Learning (d2l): compiled cmdlets over TorchSharp (libtorch) that build character- or word-level RNN, GRU and LSTM models, train them on The Time Machine or any text you pipe in, and measure perplexity, hidden states and predictions. Every cmdlet returns objects, so a sweep is an ordinary script and its results go straight to Export-Csv. The hidden-state batch-reset policy (-StateReset) is its own hyperparameter. Ships the libtorch CPU natives for the platform it was built on.'
    # The module targets .NET 8, the runtime of PowerShell 7.4.
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('PSRnn.Format.ps1xml')
    CmdletsToExport      = @(
        'Get-RnnCorpus'
        'New-RnnModel'
        'Invoke-RnnTraining'
        'Measure-Perplexity'
        'Get-HiddenState'
        'Get-RnnPrediction'
        'Export-RnnModel'
        'Import-RnnModel'
        'Export-RnnStateDict'
        'Import-RnnStateDict'
        'Export-RnnPlot'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('RNN', 'GRU', 'LSTM', 'LanguageModel', 'DeepLearning', 'MachineLearning', 'NLP', 'TorchSharp',
                             'libtorch', 'd2l', 'Perplexity', 'PSEdition_Core', 'Linux', 'Windows')
            ReleaseNotes = @'
0.1.0, first release.
- Get-RnnCorpus: The Time Machine (sha1-checked; from $env:PSRNN_DATA, the cache or d2l's URL) or local UTF-8 files.
- New-RnnModel: RNN, GRU or LSTM cells; scratch (d2l's explicit parameters) or fused implementation; layers, dropout;
  character or word tokens, d2l preprocessing or none, minimum frequency; seed, device and threads.
- Invoke-RnnTraining: SGD or Adam, gradient clipping, random or sequential sampling, and -StateReset as a
  hyperparameter of its own; validation text or a held-out fraction; checkpoints; one record per epoch; Ctrl+C keeps
  the completed epochs; a diverging loss restores the last good epoch (PSRnn.TrainingDiverged).
- Measure-Perplexity, Get-HiddenState (any layer, LSTM memory cells, -AsMatrix), Get-RnnPrediction (greedy or sampled).
- Export-RnnModel / Import-RnnModel: one checksummed file with weights, vocabulary, history and optimizer state.
- Help for every cmdlet (Get-Help), -Device completion of the devices this machine has, stable PSRnn.* error ids.
'@
            # No ProjectUri, LicenseUri, IconUri or HelpInfoURI: the project publishes no web address yet, and
            # a made-up one would send users nowhere. The licence is the LICENSE file shipped in the module folder.
        }
    }
}
