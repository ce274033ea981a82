import { ModelManager } from '../models/ModelManager';

/** The Model section of the settings column: the model manager (src/app/models). */
export function ModelPanel() {
  return <ModelManager />;
}
