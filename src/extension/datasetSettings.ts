// The Datasets settings as validated values (see core/settings/datasetSettings.ts).
import * as vscode from 'vscode';
import { readDatasetSettings, readEstimateSettings, type DatasetSettings, type EstimateSettings } from '../core/settings/datasetSettings';

export function datasetSettings(): DatasetSettings {
  const config = vscode.workspace.getConfiguration('pixtune');
  return readDatasetSettings((key) => config.get(key));
}

export function estimateSettings(): EstimateSettings {
  const config = vscode.workspace.getConfiguration('pixtune');
  return readEstimateSettings((key) => config.get(key));
}
