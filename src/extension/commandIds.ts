// The one table of command ids. package.json contributes the same ids; a unit test keeps them in sync.
export const CommandId = {
  addDataset: 'pixtune.addDataset',
  removeDataset: 'pixtune.removeDataset',
  refreshDatasets: 'pixtune.refreshDatasets',
  revealDataset: 'pixtune.revealDataset',
  checkHealth: 'pixtune.checkHealth',
  showMoreImages: 'pixtune.showMoreImages',
  generateTrainingData: 'pixtune.generateTrainingData',
  validateJsonl: 'pixtune.validateJsonl',
  openRunReport: 'pixtune.openRunReport',
  setApiKey: 'pixtune.setApiKey',
  clearApiKey: 'pixtune.clearApiKey',
  startSandbox: 'pixtune.startSandbox',
  stopSandbox: 'pixtune.stopSandbox',
  launchFineTuning: 'pixtune.launchFineTuning',
  refreshJobs: 'pixtune.refreshJobs',
  startJob: 'pixtune.startJob',
  cancelJob: 'pixtune.cancelJob',
  copyModelId: 'pixtune.copyModelId',
  openJobDetails: 'pixtune.openJobDetails',
  evaluateModel: 'pixtune.evaluateModel',
  browseImages: 'pixtune.browseImages',
  openReview: 'pixtune.openReview',
  compareEvaluations: 'pixtune.compareEvaluations',
  exportEvaluation: 'pixtune.exportEvaluation',
} as const;

export type CommandIdValue = (typeof CommandId)[keyof typeof CommandId];
