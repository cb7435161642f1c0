// One entry point for every report format. Each renderer is pure: AuditResult in, text out.
import type { AuditResult } from '../evidence';
import { renderCycloneDx, type CycloneDxOptions } from './cyclonedx';
import { renderHtml, type HtmlOptions } from './html';
import { renderJson } from './json';
import { renderMarkdown, type MarkdownOptions } from './markdown';
import { renderSarif, type SarifOptions } from './sarif';
import { renderSpdx, type SpdxOptions } from './spdx';
import { renderText } from './text';

export type ReportFormat = 'text' | 'json' | 'markdown' | 'html' | 'sarif' | 'spdx' | 'cyclonedx';

export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'markdown', 'html', 'sarif', 'spdx', 'cyclonedx'];

/** Options of every format in one bag; each renderer reads only its own fields (sources: html and spdx). */
export type RenderOptions = HtmlOptions & MarkdownOptions & SarifOptions & SpdxOptions & CycloneDxOptions;

/** The file name extension conventionally used for each format. */
export const REPORT_EXTENSIONS: Record<ReportFormat, string> = {
  text: '.txt',
  json: '.json',
  markdown: '.md',
  html: '.html',
  sarif: '.sarif',
  spdx: '.spdx.json',
  cyclonedx: '.cdx.json',
};

export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

export function render(result: AuditResult, format: ReportFormat, opts: RenderOptions = {}): string {
  switch (format) {
    case 'text':
      return renderText(result);
    case 'json':
      return renderJson(result);
    case 'markdown':
      return renderMarkdown(result, opts);
    case 'html':
      return renderHtml(result, opts);
    case 'sarif':
      return renderSarif(result, opts);
    case 'spdx':
      return renderSpdx(result, opts);
    case 'cyclonedx':
      return renderCycloneDx(result, opts);
    default: {
      const never: never = format;
      throw new Error(`unknown report format: ${String(never)}`);
    }
  }
}
