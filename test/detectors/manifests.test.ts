import { extractImports } from '../../src/detectors/imports';
import { detectManifests, parseRequirement, readManifest } from '../../src/detectors/manifests';
import type { Finding } from '../../src/evidence';

const names = (path: string, text: string, files: Record<string, string> = {}): string[] =>
  readManifest(path, text, (p) => files[p]).dependencies.map((d) => `${d.normalized}${d.spec ? ' ' + d.spec : ''}${d.group ? ' [' + d.group + ']' : ''}`);

describe('requirement strings', () => {
  it('parses PEP 508 forms', () => {
    expect(parseRequirement('Torch[cuda] >= 2.1, <3 ; python_version >= "3.9"')).toMatchObject({
      name: 'Torch',
      normalized: 'torch',
      spec: '>=2.1,<3',
      extras: ['cuda'],
      marker: 'python_version >= "3.9"',
    });
    expect(parseRequirement('flash_attn @ https://example.org/fa.whl')).toMatchObject({ normalized: 'flash-attn', url: 'https://example.org/fa.whl' });
    expect(parseRequirement('not a requirement at all')).toBeUndefined();
  });
});

describe('manifests', () => {
  it('reads requirements files with comments, options, URLs and -r/-c includes', () => {
    const files = {
      'reqs/base.txt': 'numpy==1.26.4\n-r ../more.txt\n',
      'more.txt': 'einops  # tensor ops\n',
      'constraints.txt': 'torch==2.3.0\n',
    };
    const text = [
      '# training deps',
      '--index-url https://download.pytorch.org/whl/cu121',
      'torch>=2.1 \\',
      '    --hash=sha256:abc',
      'transformers[torch]~=4.46',
      '-e git+https://github.com/org/flash-attention.git#egg=flash_attn',
      '-r reqs/base.txt',
      '-c constraints.txt',
      'git+https://github.com/org/repo.git#egg=peft',
      '-e .',
    ].join('\n');
    const r = readManifest('requirements.txt', text, (p) => files[p as keyof typeof files]);
    expect(r.warnings).toEqual([]);
    expect(r.dependencies.map((d) => `${d.manifest}:${d.line}:${d.normalized}:${d.spec}${d.constraint ? ':c' : ''}`)).toEqual([
      'requirements.txt:3:torch:>=2.1',
      'requirements.txt:5:transformers:~=4.46',
      'requirements.txt:6:flash-attn:',
      'reqs/base.txt:1:numpy:==1.26.4',
      'more.txt:1:einops:',
      'constraints.txt:1:torch:==2.3.0:c',
      'requirements.txt:9:peft:',
    ]);
  });

  it('reads pyproject.toml: PEP 621 with optional deps, Poetry with groups, licence fields', () => {
    const pep621 = [
      '[project]',
      'name = "ourmodel"',
      'license = "Apache-2.0"',
      'dependencies = ["torch>=2.2", "safetensors", "tiktoken==0.7.0; sys_platform != \'win32\'"]',
      '[project.optional-dependencies]',
      'train = ["deepspeed>=0.14", "wandb"]',
      '[dependency-groups]',
      'dev = ["pytest"]',
    ].join('\n');
    expect(names('pyproject.toml', pep621)).toEqual(['torch >=2.2', 'safetensors', 'tiktoken ==0.7.0', 'deepspeed >=0.14 [train]', 'wandb [train]', 'pytest [dev]']);
    expect(readManifest('pyproject.toml', pep621).licences).toEqual([expect.objectContaining({ licence: 'Apache-2.0', source: 'pyproject' })]);
    const poetry = [
      '[tool.poetry]',
      'name = "torch-tools"',
      'license = "MIT"',
      '[tool.poetry.dependencies]',
      'python = "^3.10"',
      'torch = "^2.2"',
      'transformers = { version = ">=4.40", extras = ["torch"] }',
      'Sentence_Transformers = "*"',
      '[tool.poetry.group.dev.dependencies]',
      'pytest = "^8"',
    ].join('\n');
    expect(names('sub/pyproject.toml', poetry)).toEqual(['torch ^2.2', 'transformers >=4.40', 'sentence-transformers', 'pytest ^8 [dev]']);
    const pr = readManifest('sub/pyproject.toml', poetry);
    expect(pr.dependencies.map((d) => d.line)).toEqual([6, 7, 8, 10]); // the key's line, not the project name's
    expect(pr.licences[0]).toMatchObject({ licence: 'MIT', line: 3, source: 'poetry' });
    expect(readManifest('pyproject.toml', pep621).dependencies.map((d) => d.line)).toEqual([4, 4, 4, 6, 6, 8]);
  });

  it('reads setup.cfg, setup.py (statically), environment.yml and Pipfile', () => {
    const cfg = ['[metadata]', 'license = BSD-3-Clause', '[options]', 'install_requires =', '    numpy>=1.24', '    scipy', '[options.extras_require]', 'kernels =', '    triton'].join('\n');
    expect(names('setup.cfg', cfg)).toEqual(['numpy >=1.24', 'scipy', 'triton [kernels]']);
    const setupPy = [
      'from setuptools import setup',
      'import os',
      'REQUIRED = ["torch>=2.0", "einops"]',
      'os.system("echo this must never run")',
      'setup(name="x", license="MIT", install_requires=REQUIRED, extras_require={"dev": ["pytest"]})',
    ].join('\n');
    const sp = readManifest('setup.py', setupPy);
    expect(sp.dependencies.map((d) => d.normalized)).toEqual(['torch', 'einops', 'pytest']);
    expect(sp.licences[0].licence).toBe('MIT');
    const env = [
      'name: train',
      'channels: [pytorch, conda-forge]',
      'dependencies:',
      '  - python=3.10',
      '  - pytorch::pytorch=2.2',
      '  - numpy>=1.26',
      '  - cudatoolkit=11.8',
      '  - pip',
      '  - pip:',
      '    - transformers==4.46.0',
      '    - flash-attn',
    ].join('\n');
    expect(names('environment.yml', env)).toEqual(['torch =2.2', 'numpy >=1.26', 'transformers ==4.46.0 [pip]', 'flash-attn [pip]']);
    const pipfile = ['[packages]', 'torch = "*"', 'accelerate = {version = ">=0.30"}', '[dev-packages]', 'pytest = "*"'].join('\n');
    expect(names('Pipfile', pipfile)).toEqual(['torch', 'accelerate >=0.30', 'pytest [dev]']);
  });

  it('compares declared dependencies with imports: declared-but-unused and used-but-undeclared', () => {
    const imports = [
      ...extractImports('import torch\nimport sklearn.metrics\nimport os\nimport mylib\nfrom . import sib\nimport wandb\n', 'train.py'),
    ];
    const r = detectManifests({
      manifests: [{ path: 'requirements.txt', text: 'torch\nscikit_learn\naccelerate\n' }],
      imports,
      isFirstParty: (m) => m === 'mylib' || m.startsWith('.'),
    });
    const dep = (n: string): Finding => r.findings.find((f) => f.details?.normalized === n)!;
    expect(dep('torch').details!.used).toBe(true);
    expect(dep('scikit-learn').details!.used).toBe(true);
    expect(dep('accelerate').details!.used).toBe(false);
    expect(dep('accelerate').category).toBe('framework');
    expect(dep('torch').method).toBe('manifest');
    expect(dep('torch').strength).toBe('info');
    const undeclared = r.findings.filter((f) => f.details?.undeclared);
    expect(undeclared.map((f) => f.details!.importName)).toEqual(['wandb']); // not os (stdlib), not mylib (first-party)
    expect(undeclared[0].file).toBe('train.py');
    expect(undeclared[0].lines!.start).toBe(6);
  });

  it('reports no undeclared imports when the repository has no manifest', () => {
    const r = detectManifests({ manifests: [], imports: extractImports('import wandb\n', 'a.py'), isFirstParty: () => false });
    expect(r.findings).toEqual([]);
  });

  describe('hostile or broken manifests give a warning naming the file and never throw', () => {
    it('invalid TOML', () => {
      const r = readManifest('pyproject.toml', '[project\ndependencies = [');
      expect(r.dependencies).toEqual([]);
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toMatch(/^pyproject\.toml: cannot read/);
      expect(readManifest('Pipfile', 'packages = = =').warnings[0]).toMatch(/^Pipfile:/);
    });
    it('invalid YAML and a YAML alias bomb', () => {
      expect(readManifest('environment.yml', 'dependencies: [a, b\n  c: }').warnings[0]).toMatch(/^environment\.yml: cannot read/);
      const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
      for (let i = 0; i < 12; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`);
      bomb.push('dependencies: *m');
      const t0 = Date.now();
      const r = readManifest('environment.yml', bomb.join('\n'));
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(r.warnings[0]).toMatch(/^environment\.yml:/);
    });
    it('a 10 MB requirements file, directly or through -r', () => {
      const big = 'numpy\n'.repeat(10 * 1024 * 1024 / 6);
      const t0 = Date.now();
      const r = readManifest('requirements.txt', big);
      expect(r.dependencies).toEqual([]);
      expect(r.warnings[0]).toMatch(/^requirements\.txt: .*exceeds/);
      const inc = readManifest('requirements.txt', 'torch\n-r big.txt\n', (p) => (p === 'big.txt' ? big : undefined));
      expect(inc.dependencies.map((d) => d.normalized)).toEqual(['torch']);
      expect(inc.warnings[0]).toMatch(/^big\.txt: .*exceeds/);
      expect(Date.now() - t0).toBeLessThan(3000);
    });
    it('recursive -r includes, missing includes and includes outside the repository', () => {
      const files: Record<string, string> = {
        'requirements.txt': 'torch\n-r requirements-dev.txt\n',
        'requirements-dev.txt': 'pytest\n-r requirements.txt\n-r missing.txt\n-r ../../etc/passwd\n',
      };
      const r = readManifest('requirements.txt', files['requirements.txt'], (p) => files[p]);
      expect(r.dependencies.map((d) => d.normalized)).toEqual(['torch', 'pytest']);
      expect(r.warnings).toEqual([
        expect.stringMatching(/^requirements-dev\.txt:2: recursive include of requirements\.txt/),
        expect.stringMatching(/^requirements-dev\.txt:3: included file missing\.txt not found/),
        expect.stringMatching(/^requirements-dev\.txt:4: .*outside the repository/),
      ]);
    });
    it('a setup.py that is not Python', () => {
      const r = readManifest('setup.py', '\u0000\u0001 garbage ((((( setup(install_requires=');
      expect(r.dependencies).toEqual([]);
    });
  });
});
