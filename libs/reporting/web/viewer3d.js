// report.html's 3D map: the muscle groups of scene.glb (MyoScope's own glTF binary, embedded base64 in the page)
// drawn with WebGL, coloured by fat fraction, edema or (with `analyze --previous`) their change since the previous
// visit, orbited with the mouse, zoomed with the wheel; hovering or
// clicking a group names it with its side and values. No library and no network.
// Coordinates: glTF metres, +X patient left, +Y superior, +Z anterior (LPS mm rotated, see scene_export.hpp).
// The viewer's state is written to #viewer3d's data-status ("loading", "ready", "error: …") for the browser test.
(function () {
  'use strict';
  const root = document.getElementById('viewer3d');
  const source = document.getElementById('scene-glb');
  if (!root || !source) return;
  // Metric, its title, the mesh extras field that holds its value. The change metrics appear when the scene has them.
  const METRICS = [['fat_fraction', 'Fat fraction', 'fat_fraction_pct'],
    ['edema_fraction', 'Edema', 'edema_fraction_pct'],
    ['change_fat', 'Fat fraction change', 'change_fat_points'],
    ['change_edema', 'Edema change', 'change_edema_points']];
  // Screen direction labels: patient right (-X), left (+X), superior, inferior, anterior (+Z), posterior.
  const DIRECTIONS = [['R', [-1, 0, 0]], ['L', [1, 0, 0]], ['S', [0, 1, 0]], ['I', [0, -1, 0]],
    ['A', [0, 0, 1]], ['P', [0, 0, -1]]];
  const BACKGROUND = [1, 1, 1];

  // --- glTF binary ----------------------------------------------------------------------------------------------

  function decodeBase64(text) {
    const binary = atob(text.replace(/\s+/g, ''));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; ++i) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function parseGlb(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 20 || view.getUint32(0, true) !== 0x46546c67) throw new Error('not a glTF binary');
    const end = Math.min(view.getUint32(8, true), bytes.length);
    let json = null;
    let bin = null;
    for (let offset = 12; offset + 8 <= end;) {
      const length = view.getUint32(offset, true);
      const chunk = bytes.subarray(offset + 8, offset + 8 + length);
      const type = view.getUint32(offset + 4, true);
      if (type === 0x4e4f534a) json = JSON.parse(new TextDecoder().decode(chunk));
      else if (type === 0x004e4942) bin = chunk;
      offset += 8 + length;
    }
    if (!json) throw new Error('glTF binary without JSON');
    return { json, bin };
  }

  function accessorData(gltf, index) {
    const accessor = gltf.json.accessors[index];
    const bufferView = gltf.json.bufferViews[accessor.bufferView];
    const Type = { 5126: Float32Array, 5125: Uint32Array, 5123: Uint16Array }[accessor.componentType];
    const width = { SCALAR: 1, VEC3: 3 }[accessor.type];
    if (!Type || !width || !gltf.bin) throw new Error('unsupported glTF accessor ' + index);
    const start = gltf.bin.byteOffset + (bufferView.byteOffset || 0) + (accessor.byteOffset || 0);
    const bytes = accessor.count * width * Type.BYTES_PER_ELEMENT;
    if (start + bytes > gltf.bin.byteOffset + gltf.bin.byteLength) throw new Error('glTF accessor out of range');
    return new Type(gltf.bin.buffer.slice(start, start + bytes));
  }

  // Per-vertex normals from the triangles, for meshes stored without them.
  function computeNormals(positions, indices) {
    const normals = new Float32Array(positions.length);
    for (let t = 0; t + 2 < indices.length; t += 3) {
      const [a, b, c] = [indices[t] * 3, indices[t + 1] * 3, indices[t + 2] * 3];
      const u = [0, 1, 2].map((k) => positions[b + k] - positions[a + k]);
      const v = [0, 1, 2].map((k) => positions[c + k] - positions[a + k]);
      const n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
      for (const p of [a, b, c]) for (let k = 0; k < 3; ++k) normals[p + k] += n[k];
    }
    return normals;
  }

  // One entry per mesh: geometry, group, side, values and display colours (from the mesh's extras).
  function readMeshes(gltf) {
    return (gltf.json.meshes || []).map((mesh) => {
      const primitive = mesh.primitives[0];
      const positions = accessorData(gltf, primitive.attributes.POSITION);
      const indices = accessorData(gltf, primitive.indices);
      const normals = primitive.attributes.NORMAL !== undefined ? accessorData(gltf, primitive.attributes.NORMAL)
        : computeNormals(positions, indices);
      const extras = mesh.extras || {};
      return { name: mesh.name, extras, positions, normals, indices, colors: extras.display_colors || {} };
    });
  }

  // --- small matrix helpers (column-major, as WebGL expects) ---------------------------------------------------

  function multiply(a, b) {
    const out = new Float32Array(16);
    for (let c = 0; c < 4; ++c)
      for (let r = 0; r < 4; ++r)
        for (let k = 0; k < 4; ++k) out[c * 4 + r] += a[k * 4 + r] * b[c * 4 + k];
    return out;
  }
  function perspective(fovy, aspect, near, far) {
    const f = 1 / Math.tan(fovy / 2);
    return new Float32Array([f / aspect, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) / (near - far), -1,
      0, 0, (2 * far * near) / (near - far), 0]);
  }
  function translation(x, y, z) { return new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, x, y, z, 1]); }
  function rotationX(a) {
    const c = Math.cos(a), s = Math.sin(a);
    return new Float32Array([1, 0, 0, 0, 0, c, s, 0, 0, -s, c, 0, 0, 0, 0, 1]);
  }
  function rotationY(a) {
    const c = Math.cos(a), s = Math.sin(a);
    return new Float32Array([c, 0, -s, 0, 0, 1, 0, 0, s, 0, c, 0, 0, 0, 0, 1]);
  }
  function transformPoint(m, p) {
    const v = [0, 1, 2, 3].map((r) => m[r] * p[0] + m[4 + r] * p[1] + m[8 + r] * p[2] + m[12 + r]);
    return [v[0] / v[3], v[1] / v[3], v[2] / v[3]];
  }
  function hexToRgb(hex) {
    const n = parseInt(String(hex || '#bebebe').slice(1), 16);
    return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
  }

  // --- WebGL ------------------------------------------------------------------------------------------------------

  const VERTEX_SHADER = `
    attribute vec3 position; attribute vec3 normal;
    uniform mat4 projection; uniform mat4 view; varying vec3 viewNormal;
    void main() { viewNormal = (view * vec4(normal, 0.0)).xyz; gl_Position = projection * view * vec4(position, 1.0); }`;
  // Headlight shading, both faces lit; `shade` 0 draws the flat colour (the picking pass).
  const FRAGMENT_SHADER = `
    precision mediump float; uniform vec3 color; uniform float shade; uniform float highlight; varying vec3 viewNormal;
    void main() {
      float light = abs(normalize(viewNormal).z);
      vec3 lit = mix(color, color * (0.35 + 0.75 * light), shade);
      gl_FragColor = vec4(mix(lit, vec3(1.0), highlight), 1.0);
    }`;

  function compile(gl, type, text) {
    const shader = gl.createShader(type);
    gl.shaderSource(shader, text);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(shader));
    return shader;
  }

  function createProgram(gl) {
    const program = gl.createProgram();
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX_SHADER));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT_SHADER));
    gl.bindAttribLocation(program, 0, 'position');
    gl.bindAttribLocation(program, 1, 'normal');
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(program));
    const uniforms = {};
    for (const name of ['projection', 'view', 'color', 'shade', 'highlight'])
      uniforms[name] = gl.getUniformLocation(program, name);
    return { program, uniforms };
  }

  function upload(gl, mesh) {
    const buffer = (target, data) => {
      const b = gl.createBuffer();
      gl.bindBuffer(target, b);
      gl.bufferData(target, data, gl.STATIC_DRAW);
      return b;
    };
    return { positions: buffer(gl.ARRAY_BUFFER, mesh.positions), normals: buffer(gl.ARRAY_BUFFER, mesh.normals),
      indices: buffer(gl.ELEMENT_ARRAY_BUFFER, mesh.indices), count: mesh.indices.length };
  }

  function boundingSphere(meshes) {
    const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
    for (const mesh of meshes)
      for (let i = 0; i < mesh.positions.length; i += 3)
        for (let k = 0; k < 3; ++k) {
          lo[k] = Math.min(lo[k], mesh.positions[i + k]);
          hi[k] = Math.max(hi[k], mesh.positions[i + k]);
        }
    const center = [0, 1, 2].map((k) => (lo[k] + hi[k]) / 2);
    return { center, radius: Math.max(1e-3, Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]) / 2) };
  }

  // An offscreen target of the canvas's size: each group drawn in a flat colour that encodes its index.
  function pickTarget(gl, width, height) {
    const texture = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, width, height, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    const depth = gl.createRenderbuffer();
    gl.bindRenderbuffer(gl.RENDERBUFFER, depth);
    gl.renderbufferStorage(gl.RENDERBUFFER, gl.DEPTH_COMPONENT16, width, height);
    const framebuffer = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
    gl.framebufferRenderbuffer(gl.FRAMEBUFFER, gl.DEPTH_ATTACHMENT, gl.RENDERBUFFER, depth);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    return { framebuffer, texture, depth, width, height };
  }

  // --- page elements ------------------------------------------------------------------------------------------

  function element(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function displayName(extras) {
    const group = String(extras.group || 'group').replace(/_/g, ' ');
    return group.charAt(0).toUpperCase() + group.slice(1) + ', ' + (extras.side || 'unknown side');
  }

  function describe(extras) {
    const value = (v, unit) => (typeof v === 'number' ? v.toFixed(1) + unit : 'not measured');
    const change = (v) => (v > 0 ? '+' : '') + v.toFixed(1) + ' points';
    return displayName(extras) + ' \u2014 fat fraction ' + value(extras.fat_fraction_pct, ' %') +
      ', edema ' + value(extras.edema_fraction_pct, ' % of volume') +
      (typeof extras.volume_ml === 'number' ? ', volume ' + extras.volume_ml.toFixed(0) + ' ml' : '') +
      (typeof extras.change_fat_points === 'number' ? '; change: fat fraction ' + change(extras.change_fat_points) +
        (typeof extras.change_edema_points === 'number' ? ', edema ' + change(extras.change_edema_points) : '')
        : '');
  }

  function buildLegend(container, legend) {
    container.replaceChildren();
    if (!legend) return;
    const bar = element('div', 'legend-bar');
    bar.style.background = 'linear-gradient(to right,' + legend.stops.join(',') + ')';
    const ticks = element('div', 'legend-ticks');
    // Colours saturate at the top of the range (fat fraction: 70 %); a range that ends at 100 % needs no "or more".
    // A change scale is signed and centred on 0; white groups changed within the repeatability limits.
    const signed = legend.low < 0;
    const high = (signed ? '+' : '') + legend.high + ' ' + legend.unit + (legend.high < 100 ? ' or more' : '');
    const low = legend.low + ' ' + legend.unit + (signed ? ' or less' : '');
    ticks.append(element('span', '', low), element('span', '', high));
    const none = element('span', 'legend-none', 'no value');
    none.style.setProperty('--swatch', legend.no_value);
    const title = legend.note ? legend.title + ', ' + legend.note : legend.title;
    container.append(element('div', 'legend-title', title), bar, ticks, none);
    if (legend.neutral) {
      const within = element('span', 'legend-none', ' within repeatability');
      within.style.setProperty('--swatch', legend.neutral);
      container.append(within);
    }
  }

  // --- the viewer -----------------------------------------------------------------------------------------------

  function start() {
    const gltf = parseGlb(decodeBase64(source.textContent));
    const meshes = readMeshes(gltf);
    if (meshes.length === 0) throw new Error('the scene has no muscle group');
    const legends = (gltf.json.extras && gltf.json.extras.legends) || {};

    const controls = element('div', 'viewer-controls');
    const stage = element('div', 'viewer-stage');
    const canvas = element('canvas');
    canvas.tabIndex = 0;
    canvas.setAttribute('aria-label', '3D map of the muscle groups; drag to rotate, wheel to zoom');
    const labels = element('div', 'viewer-labels');
    const seenFrom = labels.appendChild(element('span', 'seen-from'));
    const info = element('div', 'viewer-info', 'Hover over or click a muscle group');
    const legendBox = element('div', 'viewer-legend');
    stage.append(canvas, labels);
    root.replaceChildren(controls, stage, info, legendBox);

    const gl = canvas.getContext('webgl2', { antialias: true }) || canvas.getContext('webgl', { antialias: true });
    if (!gl) throw new Error('WebGL is not available in this browser');
    const webgl2 = typeof WebGL2RenderingContext !== 'undefined' && gl instanceof WebGL2RenderingContext;
    if (!webgl2 && !gl.getExtension('OES_element_index_uint'))
      throw new Error('WebGL without 32-bit indices');
    const shader = createProgram(gl);
    const buffers = meshes.map((mesh) => upload(gl, mesh));
    const sphere = boundingSphere(meshes);
    const directionLabels = DIRECTIONS.map(([text]) => labels.appendChild(element('span', 'direction', text)));

    // The first view: from the front and a little above, the whole scene in the (30 degree) field of view.
    const home = { yaw: 0, pitch: 0.25, distance: (0.95 * sphere.radius) / Math.sin(Math.PI / 12) };
    const state = Object.assign({ metric: 'fat_fraction', hover: -1, selected: -1, pick: null }, home);
    const reset = () => Object.assign(state, home);

    for (const [key, title, field] of METRICS) {
      if (key.startsWith('change_') && !legends[key]) continue;  // no previous visit
      const measured = meshes.some((m) => typeof m.extras[field] === 'number');
      const label = element('label');
      const input = element('input');
      Object.assign(input, { type: 'radio', name: 'metric3d', value: key, checked: key === state.metric,
        disabled: !measured });
      input.addEventListener('change', () => { state.metric = key; buildLegend(legendBox, legends[key]); draw(); });
      label.append(input, ' ' + title + (measured ? '' : ' (not measured)'));
      controls.append(label);
    }
    const resetButton = element('button', '', 'Reset view');
    resetButton.type = 'button';
    resetButton.addEventListener('click', () => { reset(); draw(); });
    controls.append(resetButton);
    buildLegend(legendBox, legends[state.metric]);

    function matrices() {
      const aspect = canvas.width / Math.max(1, canvas.height);
      const near = Math.max(state.distance - 2 * sphere.radius, sphere.radius * 0.01);
      const projection = perspective(Math.PI / 6, aspect, near, state.distance + 2 * sphere.radius);
      let view = translation(-sphere.center[0], -sphere.center[1], -sphere.center[2]);
      view = multiply(rotationY(state.yaw), view);
      view = multiply(rotationX(state.pitch), view);
      view = multiply(translation(0, 0, -state.distance), view);
      return { projection, view };
    }

    function drawMeshes(picking) {
      const { projection, view } = matrices();
      gl.useProgram(shader.program);
      gl.uniformMatrix4fv(shader.uniforms.projection, false, projection);
      gl.uniformMatrix4fv(shader.uniforms.view, false, view);
      gl.uniform1f(shader.uniforms.shade, picking ? 0 : 1);
      gl.enable(gl.DEPTH_TEST);
      gl.enableVertexAttribArray(0);
      gl.enableVertexAttribArray(1);
      meshes.forEach((mesh, i) => {
        const color = picking ? [((i + 1) & 255) / 255, ((i + 1) >> 8) / 255, 0] : hexToRgb(mesh.colors[state.metric]);
        const active = !picking && (i === state.hover || i === state.selected);
        gl.uniform3fv(shader.uniforms.color, color);
        gl.uniform1f(shader.uniforms.highlight, active ? 0.3 : 0);
        gl.bindBuffer(gl.ARRAY_BUFFER, buffers[i].positions);
        gl.vertexAttribPointer(0, 3, gl.FLOAT, false, 0, 0);
        gl.bindBuffer(gl.ARRAY_BUFFER, buffers[i].normals);
        gl.vertexAttribPointer(1, 3, gl.FLOAT, false, 0, 0);
        gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, buffers[i].indices);
        gl.drawElements(gl.TRIANGLES, buffers[i].count, gl.UNSIGNED_INT, 0);
      });
      return multiply(projection, view);
    }

    // R/L, S/I, A/P at the edges of the view, on the side each patient direction points to on the screen; a
    // direction that points mostly at the viewer (or away) gets no label.
    function placeDirectionLabels(mvp) {
      const centre = transformPoint(mvp, sphere.center);
      const aspect = canvas.width / Math.max(1, canvas.height);
      const screen = DIRECTIONS.map(([, d]) => {
        const p = transformPoint(mvp, sphere.center.map((c, k) => c + d[k] * sphere.radius));
        return [(p[0] - centre[0]) * aspect, p[1] - centre[1]];
      });
      const longest = Math.max(...screen.map(([x, y]) => Math.hypot(x, y)));
      screen.forEach(([x, y], i) => {
        const length = Math.hypot(x, y);
        directionLabels[i].hidden = length < 0.4 * longest;
        const scale = 0.94 / Math.max(Math.abs(x / aspect), Math.abs(y), 1e-6);
        directionLabels[i].style.left = ((1 + (x / aspect) * scale) / 2) * 100 + '%';
        directionLabels[i].style.top = ((1 - y * scale) / 2) * 100 + '%';
      });
    }

    // Where the viewer stands relative to the patient: the camera's direction in patient terms (one or two names).
    function seenFromText(view) {
      const toViewer = [view[2], view[6], view[10]];
      const names = [['right', 'left'], ['inferior', 'superior'], ['posterior', 'anterior']];
      const order = [0, 1, 2].sort((a, b) => Math.abs(toViewer[b]) - Math.abs(toViewer[a]));
      const name = (k) => names[k][toViewer[k] > 0 ? 1 : 0];
      return Math.abs(toViewer[order[1]]) > 0.38 ? name(order[0]) + ' and ' + name(order[1]) : name(order[0]);
    }

    function draw() {
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      gl.viewport(0, 0, canvas.width, canvas.height);
      gl.clearColor(BACKGROUND[0], BACKGROUND[1], BACKGROUND[2], 1);
      gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
      placeDirectionLabels(drawMeshes(false));
      seenFrom.textContent = 'Seen from: ' + seenFromText(matrices().view);
    }

    // Index of the group under a canvas pixel (-1: background), from the picking pass.
    function pickAt(x, y) {
      if (!state.pick || state.pick.width !== canvas.width || state.pick.height !== canvas.height)
        state.pick = pickTarget(gl, canvas.width, canvas.height);
      gl.bindFramebuffer(gl.FRAMEBUFFER, state.pick.framebuffer);
      gl.viewport(0, 0, canvas.width, canvas.height);
      gl.clearColor(0, 0, 0, 1);
      gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
      drawMeshes(true);
      const pixel = new Uint8Array(4);
      gl.readPixels(x, canvas.height - 1 - y, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      return pixel[0] + pixel[1] * 256 - 1;
    }

    function canvasPixel(event) {
      const rect = canvas.getBoundingClientRect();
      return [Math.floor(((event.clientX - rect.left) * canvas.width) / rect.width),
        Math.floor(((event.clientY - rect.top) * canvas.height) / rect.height)];
    }

    function showInfo() {
      const i = state.hover >= 0 ? state.hover : state.selected;
      info.textContent = i >= 0 ? describe(meshes[i].extras) : 'Hover over or click a muscle group';
    }

    let drag = null;
    canvas.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY, moved: false };
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (drag) {
        const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
        state.yaw += dx * 0.01;
        state.pitch = Math.max(-1.5, Math.min(1.5, state.pitch + dy * 0.01));
        Object.assign(drag, { x: e.clientX, y: e.clientY });
      } else {
        state.hover = pickAt(...canvasPixel(e));
        showInfo();
      }
      draw();
    });
    canvas.addEventListener('pointerup', (e) => {
      if (drag && !drag.moved) state.selected = pickAt(...canvasPixel(e));
      drag = null;
      showInfo();
      draw();
    });
    canvas.addEventListener('pointerleave', () => { state.hover = -1; showInfo(); draw(); });
    canvas.addEventListener('wheel', (e) => {
      e.preventDefault();
      state.distance = Math.max(1.2 * sphere.radius, Math.min(12 * sphere.radius, state.distance * Math.exp(e.deltaY * 0.001)));
      draw();
    }, { passive: false });
    canvas.addEventListener('dblclick', () => { reset(); draw(); });
    canvas.addEventListener('keydown', (e) => {
      const step = { ArrowLeft: [-0.1, 0], ArrowRight: [0.1, 0], ArrowUp: [0, -0.1], ArrowDown: [0, 0.1] }[e.key];
      if (step) { state.yaw += step[0]; state.pitch = Math.max(-1.5, Math.min(1.5, state.pitch + step[1])); }
      else if (e.key === '+' || e.key === '-') state.distance *= e.key === '+' ? 0.9 : 1.1;
      else return;
      e.preventDefault();
      draw();
    });

    function resize() {
      const ratio = window.devicePixelRatio || 1;
      canvas.width = Math.max(1, Math.round(canvas.clientWidth * ratio));
      canvas.height = Math.max(1, Math.round(canvas.clientHeight * ratio));
      draw();
    }
    window.addEventListener('resize', resize);
    resize();
    root.dataset.meshes = String(meshes.length);
    root.dataset.paintedPixels = String(paintedPixels(gl, canvas));
  }

  // Pixels of the drawing that differ from the background: read right after drawing, before the page composites.
  function paintedPixels(gl, canvas) {
    const pixels = new Uint8Array(canvas.width * canvas.height * 4);
    gl.readPixels(0, 0, canvas.width, canvas.height, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
    let count = 0;
    for (let i = 0; i < pixels.length; i += 4)
      if (pixels[i] < 250 || pixels[i + 1] < 250 || pixels[i + 2] < 250) ++count;
    return count;
  }

  try {
    start();
    root.dataset.status = 'ready';
  } catch (e) {
    root.dataset.status = 'error: ' + e.message;
    root.append(element('p', 'warning', 'The 3D map cannot be shown: ' + e.message));
    throw e;
  }
})();
