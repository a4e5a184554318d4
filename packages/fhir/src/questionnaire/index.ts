export { FormResponse, type FormIssue } from './answers.js';
export { ACP_FORM, ACP_FORM_VERSION } from './form.js';
export { conversationFromForm, formDate, type FormContext, type FormImport } from './import.js';
export { conversationForm } from './render.js';
