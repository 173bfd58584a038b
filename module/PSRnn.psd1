@{
    RootModule           = 'PSRnn.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b7f3c1e-2a8d-4e61-9f0b-7c4d2e9a1b36'
    Author               = 'The PSRnn team'
    CompanyName          = 'PSRnn'
    Copyright            = '(c) The PSRnn team. MIT licence.'
    Description          = 'Recurrent-network language-model experiments from the shell: character-level RNNs on TorchSharp (libtorch), after the RNN chapter of Dive into Deep Learning, with the hidden-state batch-reset policy as a sweepable hyperparameter.'
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
        'Export-RnnPlot'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('RNN', 'LanguageModel', 'DeepLearning', 'TorchSharp', 'libtorch', 'd2l', 'PSEdition_Core')
        }
    }
}
