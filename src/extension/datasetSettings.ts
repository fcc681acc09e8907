// The Datasets settings as validated values (see core/settings/datasetSettings.ts).
import * as vscode from 'vscode';
import { readDatasetSettings, type DatasetSettings } from '../core/settings/datasetSettings';

export function datasetSettings(): DatasetSettings {
  const config = vscode.workspace.getConfiguration('pixtune');
  return readDatasetSettings((key) => config.get(key));
}
